package dev.durablestash.core;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared executor: a lock-free queue drained
 * by at most one executor task at a time. State touched only by this runner's tasks needs no lock
 * (mark it {@code @GuardedBy("runner")}); each task sees the writes of the tasks before it (the
 * queue and the {@code scheduled} flag publish them). No thread belongs to a runner: an idle one
 * costs two small objects. A drain yields after 256 tasks so one busy runner cannot starve the
 * others. A task that throws is logged and the runner goes on. Thread-safe.
 */
final class SerialRunner implements Executor {

    private static final Logger log = LoggerFactory.getLogger(SerialRunner.class);
    private static final int BATCH = 256;

    private final Executor executor;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    SerialRunner(Executor executor) {
        this.executor = executor;
    }

    /** Queues a task; it runs after every task queued before it, never at the same time as another. */
    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (scheduled.compareAndSet(false, true)) {
            schedule();
        }
    }

    /** A pool that was shut down (the application is stopping) still lets operations in flight end. */
    private void schedule() {
        try {
            executor.execute(this::drain);
        } catch (RejectedExecutionException e) {
            drain();
        }
    }

    private void drain() {
        int ran = 0;
        Runnable task;
        while (ran < BATCH && (task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.error("session actor task failed unexpectedly", e);
            }
            ran++;
        }
        scheduled.set(false);
        if (!tasks.isEmpty() && scheduled.compareAndSet(false, true)) {
            schedule();
        }
    }
}
