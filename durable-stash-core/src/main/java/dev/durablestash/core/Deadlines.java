package dev.durablestash.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One daemon timer thread per engine that fires deadlines (operation timeouts, backoffs). Tasks
 * must be short: they hand their work to a session actor or complete a future. Cancelled tasks are
 * removed at once, so memory follows the operations in flight, not the operations ever started.
 * Thread-safe.
 */
final class Deadlines implements AutoCloseable {

    private final ScheduledThreadPoolExecutor timer;

    Deadlines() {
        timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "durable-stash-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(true);
    }

    /**
     * @return a handle whose {@code cancel(false)} drops the task if it has not run yet. After
     *     {@link #close()} the task runs at once (the engine is closed; what is in flight ends).
     */
    Future<?> after(Duration delay, Runnable task) {
        try {
            return timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            task.run();
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Stops the timer thread once the deadlines already set have fired. */
    @Override
    public void close() {
        timer.shutdown();
    }
}
