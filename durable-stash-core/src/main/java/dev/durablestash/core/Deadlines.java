package dev.durablestash.core;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One daemon timer thread per engine that fires deadlines (operation timeouts, backoffs). The timer
 * thread only hands each task to the engine's executor, so a caller's continuation (which a timeout
 * completes) never runs on it and cannot hold up other deadlines. Cancelled tasks are removed at once,
 * so memory follows the operations in flight, not the operations ever started. Deadlines keep firing
 * after this timer is closed and after the executor is shut down (then on the firing thread), because
 * operations in flight at shutdown must still end; once closed, the thread ends as soon as no deadline is
 * pending (and a deadline set later starts one that does the same), so nothing the engine started outlives
 * it holding the application's class loader. Thread-safe.
 */
final class Deadlines implements AutoCloseable {

    private final ScheduledThreadPoolExecutor timer;
    private final Executor executor;

    Deadlines(Executor executor) {
        this.executor = executor;
        // The thread is started by the first deadline, often on a request's thread: it takes the class loader
        // of the thread that builds the engine (the application's, which may see classes the library's cannot,
        // e.g. under Spring Boot devtools), not the request's (a servlet container's web application loader,
        // which would take this thread for a leak of it).
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "durable-stash-deadlines");
            thread.setDaemon(true);
            thread.setContextClassLoader(loader);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    /**
     * @return a handle whose {@code cancel(false)} drops the task if it has not run yet. After
     *     {@link #close()} deadlines still fire, for what is still in flight.
     */
    Future<?> after(Duration delay, Runnable task) {
        return timer.schedule(() -> handOff(task), delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Runs the task on the executor, or here if the executor was shut down: a deadline always fires. */
    private void handOff(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    /**
     * Lets the timer thread end once no deadline is pending. Not a shutdown: deadlines set afterwards (by
     * operations in flight) still fire, on a thread that ends the same way (never on the JDK's delay thread,
     * which lives as long as the JVM and keeps the context class loader of the thread that started it).
     */
    @Override
    public void close() {
        // While a deadline is pending the idle thread wakes once per keep-alive time, and stays.
        timer.setKeepAliveTime(200, TimeUnit.MILLISECONDS);
        timer.allowCoreThreadTimeOut(true);
    }
}
