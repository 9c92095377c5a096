package dev.durablestash.core;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default pool the session actors run on: daemon threads named {@code durable-stash-N}, as many
 * as the machine has cores (at least two). Actor tasks are short and never block (storage I/O is
 * asynchronous), so more threads than cores would only add switching. Idle threads exit after a
 * minute, so a pool nobody shuts down costs nothing once its engine is gone.
 */
public final class EngineExecutor {

    private EngineExecutor() {
    }

    /**
     * @return a new fixed pool sized for the session actors, whose threads (started as tasks come)
     *     carry the context class loader of the thread calling this method; the caller shuts it down
     */
    public static ExecutorService newPool() {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        AtomicInteger count = new AtomicInteger();
        ClassLoader loader = Thread.currentThread().getContextClassLoader(); // the caller's, not a request's
        ThreadFactory factory = runnable -> {
            Thread thread = new Thread(runnable, "durable-stash-" + count.incrementAndGet());
            thread.setDaemon(true);
            thread.setContextClassLoader(loader);
            return thread;
        };
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), factory);
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
