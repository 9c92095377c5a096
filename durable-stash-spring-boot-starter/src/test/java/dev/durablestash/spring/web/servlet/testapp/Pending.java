package dev.durablestash.spring.web.servlet.testapp;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The steps an asynchronous handler left for later (complete a DeferredResult, send an event):
 * the test takes and runs them, so it decides when an async result is produced.
 */
public final class Pending {

    private static final BlockingQueue<Runnable> steps = new LinkedBlockingQueue<>();

    private Pending() {
    }

    static void offer(Runnable step) {
        steps.add(step);
    }

    /** @return the oldest step a handler left, waiting for one if there is none yet */
    public static Runnable take() {
        try {
            Runnable step = steps.poll(30, TimeUnit.SECONDS);
            if (step == null) {
                throw new IllegalStateException("no handler left a step within 30 s");
            }
            return step;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Forgets steps a failed test left behind. */
    public static void clear() {
        steps.clear();
    }
}
