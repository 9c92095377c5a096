package dev.durablestash.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order: a lock-free queue drained by at most one thread at
 * a time. State touched only by this runner's tasks needs no lock (mark it
 * {@code @GuardedBy("runner")}); each task sees the writes of the tasks before it (the queue and the
 * {@code scheduled} flag publish them). No thread belongs to a runner: an idle one is one small
 * object. A task that throws is logged and the runner goes on. Thread-safe.
 *
 * <h2>The queue</h2>
 * <p>The runner is its own queue, with no queue object (heap per live session). {@code execute} pushes
 * the task onto {@code incoming}, a lock-free stack (newest first, one compare-and-swap). The drain,
 * which alone holds {@code scheduled}, takes the whole stack at once, reverses it into
 * {@code pending} (oldest first) and runs from there; it takes {@code incoming} again only when
 * {@code pending} is used up. Everything in {@code pending} was queued before everything in
 * {@code incoming}, so tasks run in the order their {@code execute} calls took effect. {@code pending}
 * is touched only by the drain that holds {@code scheduled}; the next drain sees it through that
 * flag (released by a volatile write, acquired by a compare-and-swap).
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
    /**
     * Element 0: whether this thread drains some runner (a nested drain goes to the executor). A mutable cell,
     * so that an operation looks its thread's entry up once: a look-up probes the thread's map, which on a
     * request thread holds many entries (the web framework's, the server's), often past the first slot (in a
     * profile of the in-memory HTTP benchmark, 2.8% of the request threads' samples were in such probes).
     * A {@code boolean[]}, a JDK type: a server's thread that keeps it does not keep the application's class
     * loader.
     */
    private static final ThreadLocal<boolean[]> DRAINING = ThreadLocal.withInitial(() -> new boolean[1]);

    private static final VarHandle SCHEDULED;
    private static final VarHandle INCOMING;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SCHEDULED = lookup.findVarHandle(SerialRunner.class, "scheduled", boolean.class);
            INCOMING = lookup.findVarHandle(SerialRunner.class, "incoming", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A queued task. {@code next} is set before the node is pushed, and after that only by the drain that took it. */
    private static final class Node {
        final Runnable task;
        @Nullable Node next;

        Node(Runnable task) {
            this.task = task;
        }
    }

    private final Executor executor;
    /** Tasks queued and not yet taken by a drain, newest first: a lock-free stack (see the class description). */
    private volatile @Nullable Node incoming;
    /** Tasks taken from {@code incoming} and not yet run, oldest first (touched only by the drain holding {@code scheduled}). */
    @GuardedBy("scheduled")
    private @Nullable Node pending;
    /** A drain is running or handed to the executor (a field, not an AtomicBoolean: one object less per session). */
    private volatile boolean scheduled;

    SerialRunner(Executor executor) {
        this.executor = executor;
    }

    /**
     * Queues a task; it runs after every task queued before it, never at the same time as another.
     * If the runner is idle and this thread is not draining a runner already, it runs here, before
     * this method returns (with the tasks queued meanwhile, up to {@value #BATCH}). A task queued just
     * as another thread's drain ends may instead be run by that thread's hand-off to the executor.
     */
    @Override
    public void execute(Runnable task) {
        Node node = new Node(task);
        Node top;
        do {
            top = incoming;
            node.next = top;
        } while (!INCOMING.compareAndSet(this, top, node));
        if (SCHEDULED.compareAndSet(this, false, true)) {
            boolean[] thread = DRAINING.get();
            if (!thread[0]) {
                drain(thread);
            } else {
                schedule(thread);
            }
        }
    }

    /**
     * Hands the drain to the executor. A pool that was shut down (the application is stopping) still lets
     * operations in flight end: the drain then runs here.
     *
     * @param here this thread's {@link #DRAINING} cell
     */
    private void schedule(boolean[] here) {
        try {
            executor.execute(() -> drain(DRAINING.get()));
        } catch (RejectedExecutionException e) {
            drain(here);
        }
    }

    /** @param thread the {@link #DRAINING} cell of the thread this runs on */
    private void drain(boolean[] thread) {
        boolean outermost = !thread[0];
        thread[0] = true;
        try {
            int ran = 0;
            Node next;
            while (ran < BATCH && (next = take()) != null) {
                try {
                    next.task.run();
                } catch (Throwable e) { // also a checked exception thrown undeclared (Kotlin, sneaky throws)
                    log.error("session actor task failed unexpectedly", e);
                }
                ran++;
            }
        } finally {
            if (outermost) {
                thread[0] = false;
            }
        }
        boolean more = pending != null; // read while this drain still holds scheduled
        scheduled = false;
        if ((more || incoming != null) && SCHEDULED.compareAndSet(this, false, true)) {
            schedule(thread);
        }
    }

    /**
     * Called only by the drain that holds {@code scheduled}.
     *
     * @return the oldest task not yet run, taken off the queue; {@code null} when there is none
     */
    private @Nullable Node take() {
        Node first = pending;
        if (first == null) {
            Node newestFirst = (Node) INCOMING.getAndSet(this, null);
            if (newestFirst == null) {
                return null;
            }
            for (Node node = newestFirst; node != null;) { // reverse: oldest first
                Node older = node.next;
                node.next = first;
                first = node;
                node = older;
            }
        }
        pending = first.next;
        return first;
    }
}
