package dev.durablestash.spring.web;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Bounds the non-blocking waits for the engine (a WebFlux or asynchronous MVC request's recover, turn and
 * writes) on one daemon thread, {@value #THREAD_NAME}, that the first bound starts and that ends a second after
 * the last bound fired or was dropped. Not {@code CompletableFuture.orTimeout}: the JDK's delay thread behind
 * it lives as long as the JVM, with the context class loader of the thread that first used it, and so keeps an
 * application stopped in a servlet container in memory. A bound that fires completes its future on this
 * thread, with the context class loader of the thread that set the bound; a bound whose future completed
 * first is removed at once. Thread-safe.
 */
final class WaitTimer {

    static final String THREAD_NAME = "durable-stash-waits";

    private static final ScheduledThreadPoolExecutor TIMER = newTimer();

    private WaitTimer() {
    }

    private static ScheduledThreadPoolExecutor newTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, THREAD_NAME);
            thread.setDaemon(true);
            thread.setContextClassLoader(null); // each bound that fires sets its own
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.setKeepAliveTime(1, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
        return timer;
    }

    /**
     * Completes the future with a {@link TimeoutException} if it is not complete after {@code nanos}, as
     * {@code orTimeout} does.
     *
     * @param future the future to bound; it may complete on any thread
     * @param nanos the bound; {@link Long#MAX_VALUE} for one far beyond any wait
     */
    static void orTimeout(CompletableFuture<?> future, long nanos) {
        if (future.isDone()) {
            return;
        }
        ClassLoader caller = Thread.currentThread().getContextClassLoader();
        ScheduledFuture<?> bound = TIMER.schedule(() -> timeOut(future, caller), nanos, TimeUnit.NANOSECONDS);
        future.whenComplete((value, error) -> bound.cancel(false));
    }

    /** @return the bounds set and neither fired nor dropped yet */
    static int pending() {
        return TIMER.getQueue().size();
    }

    private static void timeOut(CompletableFuture<?> future, ClassLoader caller) {
        Thread thread = Thread.currentThread();
        thread.setContextClassLoader(caller);
        try {
            future.completeExceptionally(new TimeoutException());
        } finally {
            thread.setContextClassLoader(null);
        }
    }
}
