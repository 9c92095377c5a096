package dev.durablestash.spring.web.reactive;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the steps of other subscribers of an exchange, each on a thread of its own, from a hook inside the
 * session's code: the hooked thread waits until the step finished or one second passed (the step blocks, say,
 * on the session's lock the hooked thread holds), then goes on. One per test.
 */
final class OtherSubscribers {

    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    /** Runs {@code step} on another thread and waits for it, at most one second. */
    void elsewhere(Runnable step) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                step.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "other-subscriber");
        threads.add(thread);
        thread.start();
        try {
            done.get(1, TimeUnit.SECONDS);
        } catch (TimeoutException blocked) {
            // it waits for the hooked thread: let that one go on
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits for every step run so far to end, at most ten seconds each. */
    void joinAll() throws InterruptedException {
        for (Thread thread : threads) {
            thread.join(10_000);
        }
    }
}
