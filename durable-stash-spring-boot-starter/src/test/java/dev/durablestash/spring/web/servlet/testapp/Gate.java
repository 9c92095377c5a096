package dev.durablestash.spring.web.servlet.testapp;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Lets a test hold a handler in the middle of a request while other requests run. */
public final class Gate {

    private static volatile CountDownLatch entered = new CountDownLatch(1);
    private static volatile CountDownLatch release = new CountDownLatch(1);

    private Gate() {
    }

    /** Arms the gate for one request. */
    public static void arm() {
        entered = new CountDownLatch(1);
        release = new CountDownLatch(1);
    }

    /** Called by the handler: signals it is inside and waits to be released. */
    public static void pass() {
        entered.countDown();
        await(release);
    }

    /** Called by the test: waits until a handler is inside the gate. */
    public static void awaitEntered() {
        await(entered);
    }

    /** Called by the test: lets the handler go on. */
    public static void open() {
        release.countDown();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("gate timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
