package dev.durablestash.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order: a lock-free queue drained by at most one thread at
 * a time. State touched only by this runner's tasks needs no lock (mark it
 * {@code @GuardedBy("runner")}); each task sees the writes of the tasks before it (the queue and the
 * {@code scheduled} flag publish them). No thread belongs to a runner: an idle one costs two small
 * objects. A task that throws is logged and the runner goes on. Thread-safe.
 *
 * <h2>Where tasks run</h2>
 * <p>A task queued on an idle runner is drained <em>inline</em>, on the thread that queued it (a
 * caller's request thread, or the thread on which a storage call answered), without a hand-off to
 * the executor: actor tasks are short and never block (storage I/O is asynchronous), and a thread
 * hop plus a wake-up per operation cost far more than the task. Three rules keep that safe:
 * <ul>
 * <li><b>One drainer.</b> Only the thread that flips {@code scheduled} from false to true drains;
 * a task queued meanwhile (from any thread, also from a task of this runner on the draining thread)
 * only joins the queue, so the runner stays serial and tasks never nest: a storage call that
 * answers at once comes back as the next task of the same loop, not as a deeper call.</li>
 * <li><b>No drain inside a drain.</b> A thread that is already draining a runner (this one's tasks
 * complete callers' stages, whose dependent actions may queue work on another session's runner)
 * hands a new drain to the executor instead of running it inline: stack depth stays bounded, and a
 * thread never works for a chain of other sessions.</li>
 * <li><b>Bounded turns.</b> A drain yields to the executor after {@value #BATCH} tasks, so neither a
 * caller's thread nor the executor's is held by one busy runner for long, and other runners are not
 * starved.</li>
 * </ul>
 */
final class SerialRunner implements Executor {

    private static final Logger log = LoggerFactory.getLogger(SerialRunner.class);
    private static final int BATCH = 256;
    /** Set while this thread drains some runner: a nested drain goes to the executor. */
    private static final ThreadLocal<Boolean> DRAINING = new ThreadLocal<>();

    private static final VarHandle SCHEDULED;

    static {
        try {
            SCHEDULED = MethodHandles.lookup().findVarHandle(SerialRunner.class, "scheduled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Executor executor;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** A drain is running or handed to the executor (a field, not an AtomicBoolean: one object less per session). */
    private volatile boolean scheduled;

    SerialRunner(Executor executor) {
        this.executor = executor;
    }

    /**
     * Queues a task; it runs after every task queued before it, never at the same time as another.
     * If the runner is idle and this thread is not draining a runner already, it runs here, before
     * this method returns (with the tasks queued meanwhile, up to {@value #BATCH}).
     */
    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (SCHEDULED.compareAndSet(this, false, true)) {
            if (DRAINING.get() == null) {
                drain();
            } else {
                schedule();
            }
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
        boolean outermost = DRAINING.get() == null;
        if (outermost) {
            DRAINING.set(Boolean.TRUE);
        }
        try {
            int ran = 0;
            Runnable task;
            while (ran < BATCH && (task = tasks.poll()) != null) {
                try {
                    task.run();
                } catch (Throwable e) { // also a checked exception thrown undeclared (Kotlin, sneaky throws)
                    log.error("session actor task failed unexpectedly", e);
                }
                ran++;
            }
        } finally {
            if (outermost) {
                DRAINING.remove();
            }
        }
        scheduled = false;
        if (!tasks.isEmpty() && SCHEDULED.compareAndSet(this, false, true)) {
            schedule();
        }
    }
}
