package dev.durablestash.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/**
 * A caller's own copy of an operation's future (what {@link StashAdapter} returns): it follows the
 * operation, or is answered at the deadline ({@link SessionRegistry}). {@code toCompletableFuture()}
 * returns it: completing, cancelling or timing it out changes what its holders see, not the operation.
 * Its waiting methods answer as a {@link CompletableFuture}'s do (values, exceptions, interrupts,
 * timeouts); dependent stages made from it are plain {@link CompletableFuture}s.
 *
 * <h2>Waking the callers of one write</h2>
 * <p>With contention, one write acknowledges many stashes (group commit), and their callers are
 * threads that wait in {@link #get()} or {@link #join()}: waking each is a system call, and the woken
 * thread, having slept, often takes the waking thread's core from it. One thread that wakes them all
 * in turn is so preempted again and again, and the last caller waits for every wake-up before it.
 * So the first thread to wait for this future in {@code get} or {@code join} waits here
 * ({@code waiter}, parked until the future is done) rather than on the future's own list of
 * dependents, and when the future is completed inside {@link Wakes#collect} (the actor answering a
 * written batch's callers, in order, on one thread) its waiter is not unparked at once but handed to
 * the batch's {@link Wakes}. Once the batch's callers are all completed, the answering thread unparks
 * the waiters in arrival order, and every waiter that wakes unparks up to {@link #HELP_LIMIT} more
 * before it returns, so the wake-ups spread over the threads that run anyway. Helping is only
 * unparking: a caller's dependent actions run where its future is completed, on the answering thread,
 * as without it, and never on another caller's thread. Completion itself is not deferred, so the
 * deadline of an operation still answers its caller if the answer comes late; and a timed waiter
 * whose future is done returns its answer at its timeout however late its wake-up is. Before the
 * answering thread runs the dependent actions of a caller it completes (which may take a while), it
 * first unparks the waiters of the callers it answered before that one; that caller's own waiter is
 * unparked after them, as a waiter of a completed future would be whose dependents were queued before
 * it. Other threads that wait for the same future, and fork-join workers, wait the JDK's way.
 * Thread-safe.
 *
 * @param <T> the operation's result
 */
final class CallerFuture<T> extends CompletableFuture<T> {

    /**
     * How many other waiters a woken waiter unparks at most before it returns (the answering thread
     * unparks all that are left): enough to spread the wake-ups over the threads that run, few enough
     * that no caller spends long on others' (an unpark costs a few microseconds). With 64 callers of one
     * write, in a run of a separate program whose store answered after 0.5 ms and used no CPU, limits of
     * 4 and 8 gave about the same rate, 11% above waking every caller on the answering thread, and no
     * limit 7% (measured with an earlier form, in which a woken caller completed the others' stages).
     */
    static final int HELP_LIMIT = 4;

    private static final VarHandle WAITER;

    static {
        try {
            WAITER = MethodHandles.lookup().findVarHandle(CallerFuture.class, "waiter", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The thread that waits in {@code get} or {@code join} by parking (one at most), while it waits. */
    private volatile @Nullable Thread waiter;
    /** The wake-ups this caller's waiter helps with once it is unparked; set when its own was deferred. */
    private volatile @Nullable Wakes wakes;

    @Override
    public T get() throws InterruptedException, ExecutionException {
        await(true, false, 0L);
        return super.get(); // done, or another thread parks here and this one waits the JDK's way
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        long nanos = unit.toNanos(timeout);
        long start = System.nanoTime();
        if (!isDone() && Thread.interrupted()) {
            throw new InterruptedException(); // as the JDK does, also for a timeout of zero
        }
        if (!await(true, true, nanos)) {
            throw new TimeoutException();
        }
        // done (answered at once), or another thread parks here and this one waits the JDK's way
        return super.get(Math.max(0L, nanos - (System.nanoTime() - start)), TimeUnit.NANOSECONDS);
    }

    @Override
    public T join() {
        try {
            await(false, false, 0L);
        } catch (InterruptedException e) {
            throw new AssertionError("not interruptible", e);
        }
        return super.join();
    }

    /**
     * Parks until this future is done, unless another thread parks here already or this one is a
     * fork-join worker (then returns at once, and the caller waits the JDK's way, which lets a pool
     * make up for a blocked worker). Once unparked, helps with its batch's wake-ups. A future that is
     * done is reported done, also to an interrupted thread (whose flag stays set), as the JDK does.
     *
     * @return {@code false} if the timeout passed first
     * @throws InterruptedException if {@code interruptible} and the thread was interrupted before the
     *     future was done (its flag is cleared); an interrupt while not interruptible is kept for the caller
     */
    private boolean await(boolean interruptible, boolean timed, long nanos) throws InterruptedException {
        if (isDone()) {
            return true;
        }
        Thread me = Thread.currentThread();
        if (me instanceof ForkJoinWorkerThread || !WAITER.compareAndSet(this, null, me)) {
            return true;
        }
        long deadline = timed ? System.nanoTime() + nanos : 0L;
        boolean interrupted = false;
        try {
            while (!isDone()) {
                if (timed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0L) {
                        return false;
                    }
                    LockSupport.parkNanos(this, left);
                } else {
                    LockSupport.park(this);
                }
                if (isDone()) {
                    break;
                }
                if (Thread.interrupted()) {
                    if (interruptible) {
                        throw new InterruptedException();
                    }
                    interrupted = true;
                }
            }
            return true;
        } finally {
            waiter = null;
            if (interrupted) {
                me.interrupt();
            }
            helpWake();
        }
    }

    /** Unparks up to {@link #HELP_LIMIT} other waiters of the batch that answered this caller, once. */
    private void helpWake() {
        Wakes helping = wakes;
        if (helping != null) {
            wakes = null;
            helping.wake(HELP_LIMIT);
        }
    }

    @Override
    public boolean complete(T value) {
        Wakes collecting = Wakes.collecting();
        if (collecting != null && getNumberOfDependents() > 0) {
            collecting.wakeCollected(); // dependent actions run next, on this thread: the waiters so far go first
        }
        boolean completed = super.complete(value);
        signal(collecting);
        return completed;
    }

    @Override
    public boolean completeExceptionally(Throwable error) {
        boolean completed = super.completeExceptionally(error);
        signal(Wakes.collecting());
        return completed;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        signal(null);
        return cancelled;
    }

    @Override
    public void obtrudeValue(T value) {
        super.obtrudeValue(value);
        signal(null);
    }

    @Override
    public void obtrudeException(Throwable error) {
        super.obtrudeException(error);
        signal(null);
    }

    /** Completes through {@link #complete}/{@link #completeExceptionally}, which wake the waiter. */
    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
        Objects.requireNonNull(supplier, "supplier");
        Objects.requireNonNull(executor, "executor").execute(() -> {
            try {
                complete(supplier.get());
            } catch (Throwable e) { // wrapped as the JDK's completeAsync wraps it
                completeExceptionally(e instanceof CompletionException ? e : new CompletionException(e));
            }
        });
        return this;
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
        return completeAsync(supplier, defaultExecutor());
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }

    /**
     * Wakes the parked waiter, if it still waits: now, or through {@code collecting}'s wake-ups when not
     * null (and then again, now, when they reach it).
     */
    private void signal(@Nullable Wakes collecting) {
        Thread parked = waiter;
        if (parked == null) {
            return;
        }
        if (collecting == null) {
            LockSupport.unpark(parked);
        } else {
            wakes = collecting;
            collecting.add(this);
        }
    }

    /**
     * The waiters of the callers one write answered, unparked by whoever takes them first: the answering
     * thread, or a waiter it (or another) unparked. Collected by one thread inside {@link #collect} and
     * published as they come ({@code published}); each is taken once (a compare-and-swap on {@code next}).
     */
    static final class Wakes {

        /**
         * Element 0: the collection in progress on this thread, if any (only inside {@link #collect}). A mutable
         * cell, so that a collection looks its thread's entry up once (see {@code SerialRunner.DRAINING}); an
         * {@code Object[]}, a JDK type, empty between collections: a server's thread keeps no class of the
         * application's.
         */
        private static final ThreadLocal<@Nullable Object[]> COLLECTING = ThreadLocal.withInitial(() -> new Object[1]);

        /** Written by the collecting thread before {@code published}, read after it. */
        private volatile CallerFuture<?>[] waiting = new CallerFuture<?>[8];
        private int collected;
        /** How many of {@code waiting} may be taken. */
        private volatile int published;
        /** The next one to take. */
        private final AtomicInteger next = new AtomicInteger();

        Wakes() {
        }

        /**
         * Runs {@code answer} (which ends a written batch's operations, completing their callers in
         * order) with the waiters' wake-ups collected, then unparks those waiters, helped by the first
         * of them that wake. Also when {@code answer} throws (whoever it answered is woken), rethrowing it.
         */
        static void collect(Runnable answer) {
            Wakes wakes = new Wakes();
            try {
                wakes.gather(answer);
            } finally {
                wakes.wakeCollected();
            }
        }

        /** @return the collection in progress on this thread, if any */
        static @Nullable Wakes collecting() {
            return (Wakes) COLLECTING.get()[0];
        }

        /** Runs {@code answer} with the waiters' wake-ups collected; unparks none itself. */
        void gather(Runnable answer) {
            @Nullable Object[] thread = COLLECTING.get();
            Object outer = thread[0];
            thread[0] = this;
            try {
                answer.run();
            } finally {
                thread[0] = outer;
            }
        }

        /** Collecting thread only. */
        private void add(CallerFuture<?> caller) {
            CallerFuture<?>[] array = waiting;
            if (collected == array.length) {
                array = Arrays.copyOf(array, collected * 2);
                waiting = array;
            }
            array[collected++] = caller;
            published = collected;
        }

        /** Unparks every waiter collected so far and not yet taken. */
        void wakeCollected() {
            wake(Integer.MAX_VALUE);
        }

        /** Unparks up to {@code most} waiters collected so far and not yet taken, one at a time. */
        void wake(int most) {
            for (int woken = 0; woken < most;) {
                int i = next.get();
                if (i >= published) {
                    return;
                }
                if (next.compareAndSet(i, i + 1)) {
                    waiting[i].signal(null);
                    woken++;
                }
            }
        }
    }
}
