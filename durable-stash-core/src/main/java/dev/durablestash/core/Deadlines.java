package dev.durablestash.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * One daemon timer thread per engine that fires deadlines (operation timeouts, backoffs). The timer
 * thread only hands each task to the engine's executor, so a caller's continuation (which a timeout
 * completes) never runs on it and cannot hold up other deadlines. Cancelled tasks are removed at once,
 * so memory follows the operations in flight, not the operations ever started. Deadlines keep firing
 * after this timer is closed and after the executor is shut down (then on the firing thread), because
 * operations in flight at shutdown must still end. Thread-safe.
 *
 * <h2>Coarse deadlines</h2>
 * <p>The timeouts of operations and storage calls ({@link #coarse}) are set for nearly every call and
 * almost never fire. Scheduled one by one, each wakes the timer thread whenever it is the earliest
 * deadline, and with one call at a time that is every call (the call before it answered and cancelled
 * its own): a system call and a thread woken on the path of every call. So they are gathered in
 * <em>slots</em> (in two interleaved benchmark runs an uncontended S3 stash's p50 was 2 and 4 µs lower
 * with slots than with deadlines scheduled one by one, and 4 and 12 µs higher than with none): a coarse
 * deadline fires at the end of the slot its time falls in, never early and late by less than the slot's
 * length ({@link #slotNanos}: a 32nd of the delay, at most 2<sup>26</sup> ns, about 67 ms). The timer
 * is given one task per slot, when its first deadline is set, and a slot stays scheduled when its
 * deadlines are cancelled (only until its end), so the calls that follow find it in place and the
 * timer sleeps on until the earliest slot ends. Once closed, a slot left empty is dropped at once, so
 * that the timer thread ends when nothing is in flight.
 */
final class Deadlines implements AutoCloseable {

    /** Longest slot of coarse deadlines: 2^26 ns, about 67 ms. */
    static final long MAX_SLOT_NANOS = 1L << 26;

    private final ScheduledThreadPoolExecutor timer;
    private final Executor executor;
    /** The slots of coarse deadlines that have not ended, by the {@link System#nanoTime()} of their end. */
    private final ConcurrentHashMap<Long, Slot> slots = new ConcurrentHashMap<>();
    private volatile boolean closed;

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
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(true);
    }

    /**
     * @return a handle whose {@code cancel(false)} drops the task if it has not run yet. After
     *     {@link #close()} deadlines still fire, on a JDK timer, for what is still in flight.
     */
    Future<?> after(Duration delay, Runnable task) {
        return schedule(delay.toNanos(), () -> handOff(task));
    }

    /** A deadline set with {@link #coarse}. */
    interface Deadline {

        /** Drops the task if its slot has not ended yet; afterwards, does nothing. Never blocks for long. */
        void cancel();
    }

    /**
     * Sets a deadline that fires no earlier than {@code delay} from now and less than
     * {@link #slotNanos slotNanos(delay)} after that (class comment), for timeouts that seldom fire.
     * After {@link #close()} it still fires, as {@link #after} does.
     *
     * @return its handle
     */
    Deadline coarse(Duration delay, Runnable task) {
        long nanos = delay.toNanos();
        long length = slotNanos(nanos);
        long end = (System.nanoTime() + nanos + length - 1) & -length; // rounded up to a multiple of length
        // The slot is looked up and joined under the map's lock, under which a slot also leaves the map
        // when it ends or is dropped: a deadline never joins a slot that took its tasks already.
        Entry[] set = new Entry[1];
        Slot[] made = new Slot[1];
        slots.compute(end, (key, slot) -> {
            Slot joined = slot == null ? (made[0] = new Slot(key)) : slot;
            set[0] = joined.add(task);
            return joined;
        });
        if (made[0] != null) {
            made[0].start(); // after its first deadline joined it: the timer cannot end it empty
        }
        return set[0];
    }

    /** @return the length of the slots of coarse deadlines of this delay: a power of two, a 32nd of it at most */
    static long slotNanos(long delayNanos) {
        return Math.min(MAX_SLOT_NANOS, Long.highestOneBit(Math.max(1, delayNanos >> 5)));
    }

    /** @return how many slots of coarse deadlines have not ended (tests) */
    int slotsPending() {
        return slots.size();
    }

    /** The coarse deadlines that end together, in the order they were set. */
    private final class Slot {
        final long end;
        @GuardedBy("this") @Nullable Entry first;
        @GuardedBy("this") @Nullable Entry last;
        /** Ended or dropped (and so out of the map). */
        @GuardedBy("this") boolean done;
        @GuardedBy("this") @Nullable Future<?> timerTask;

        Slot(long end) {
            this.end = end;
        }

        synchronized void start() {
            if (!done) {
                timerTask = schedule(end - System.nanoTime(), () -> endSlot(this));
            }
        }

        /** Only under the map's lock, while this slot is in the map (so neither ended nor dropped). */
        synchronized Entry add(Runnable task) {
            Entry entry = new Entry(this, task);
            if (last == null) {
                first = entry;
            } else {
                last.next = entry;
                entry.previous = last;
            }
            last = entry;
            return entry;
        }

        void remove(Entry entry) {
            boolean emptyAfterClose;
            synchronized (this) {
                if (entry.task == null) {
                    return; // cancelled already, or handed on when this slot ended
                }
                if (entry.previous == null) {
                    first = entry.next;
                } else {
                    entry.previous.next = entry.next;
                }
                if (entry.next == null) {
                    last = entry.previous;
                } else {
                    entry.next.previous = entry.previous;
                }
                entry.task = null;
                entry.previous = null;
                entry.next = null;
                emptyAfterClose = closed && first == null;
            }
            if (emptyAfterClose) {
                dropIfEmpty(); // outside this monitor: the map's lock is always taken first
            }
        }

        /** After {@link #close()}: a slot with no deadline left needs no timer task (it keeps the timer thread). */
        void dropIfEmpty() {
            slots.computeIfPresent(end, (key, slot) -> {
                if (slot != this) {
                    return slot;
                }
                synchronized (this) {
                    if (first != null) {
                        return this;
                    }
                    done = true;
                    if (timerTask != null) {
                        timerTask.cancel(false);
                    }
                    return null;
                }
            });
        }

        /** Under the map's lock, as this slot leaves it: its end came. @return the tasks of the deadlines still set */
        synchronized List<Runnable> takeTasks() {
            done = true;
            List<Runnable> tasks = new ArrayList<>();
            Entry entry = first;
            while (entry != null) {
                tasks.add(entry.task);
                Entry next = entry.next;
                entry.task = null; // a handle kept by its caller holds nothing of the others
                entry.previous = null;
                entry.next = null;
                entry = next;
            }
            first = null;
            last = null;
            return tasks;
        }
    }

    /** One coarse deadline, linked in its slot while it is set. */
    private static final class Entry implements Deadline {
        final Slot slot;
        /** The task, until the deadline is cancelled. Guarded by the slot. */
        @Nullable Runnable task;
        @Nullable Entry previous;
        @Nullable Entry next;

        Entry(Slot slot, Runnable task) {
            this.slot = slot;
            this.task = task;
        }

        @Override
        public void cancel() {
            slot.remove(this);
        }
    }

    /** Runs on the timer thread (or the JDK's, after close) at the end of {@code slot}: hands its tasks on. */
    private void endSlot(Slot slot) {
        List<Runnable> tasks = new ArrayList<>();
        slots.computeIfPresent(slot.end, (key, found) -> {
            if (found != slot) {
                return found;
            }
            tasks.addAll(slot.takeTasks());
            return null;
        });
        for (Runnable task : tasks) {
            handOff(task);
        }
    }

    /** Runs {@code action} on the timer thread after {@code nanos}, or on a JDK timer after {@link #close()}. */
    private Future<?> schedule(long nanos, Runnable action) {
        try {
            return timer.schedule(action, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.runAsync(action, CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS));
        }
    }

    /** Runs the task on the executor, or here if the executor was shut down: a deadline always fires. */
    private void handOff(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    /** Stops the timer thread once the deadlines already set have fired. */
    @Override
    public void close() {
        closed = true;
        timer.shutdown();
        for (Slot slot : slots.values()) {
            slot.dropIfEmpty();
        }
    }
}
