package dev.durablestash.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * A caller's own copy of an operation's future (what {@link StashAdapter} returns): it follows the
 * operation, or is answered at the deadline ({@link SessionRegistry}). Completing or cancelling it
 * changes nothing but what this caller sees. Dependent stages made from it are plain
 * {@link CompletableFuture}s.
 *
 * <h2>Waking the callers of one write</h2>
 * <p>With contention, one write acknowledges many stashes (group commit), and their callers are
 * threads that wait ({@link #get()}, {@link #join()}): waking each is a system call, and the woken
 * thread, having slept, often takes the waking thread's core from it. One thread that wakes them all
 * in turn is so preempted again and again, and the last caller waits for every wake-up before it.
 * So the callers that a write acknowledged are woken through a {@link Wakes}: the thread that answers
 * the write wakes them in arrival order, and every caller that wakes in {@code get} or {@code join}
 * wakes up to {@link #HELP_LIMIT} of the next ones not yet woken before it returns, so waking spreads
 * over the threads that run anyway. Whoever takes a caller wakes it (an atomic counter hands each out once); a caller that does
 * not wait in {@code get} or {@code join} (it chains dependent actions instead) is still woken by the
 * answering thread.
 *
 * <p>Only a caller's successful answer goes through a {@link Wakes}, and only when it is given inside
 * {@link Wakes#collect} on the answering thread: the operation itself has ended there already (its
 * future completed, counted and released by the actor, in order); a {@link Wakes} only completes the
 * callers' copies. Thread-safe.
 *
 * @param <T> the operation's result
 */
final class CallerFuture<T> extends CompletableFuture<T> {

    /**
     * How many other callers a woken caller wakes at most before it returns (the answering thread wakes
     * all that are left): enough to spread the wake-ups over the threads that run, few enough that no
     * caller spends long on others' (a wake-up costs a few microseconds). With 64 callers of one write,
     * in a run of a separate program whose store answered after 0.5 ms and used no CPU, limits of 4 and
     * 8 gave about the same rate, 11% above waking every caller on the answering thread; no limit 7%.
     */
    static final int HELP_LIMIT = 4;

    /** The callers' wakes to help with once this caller is woken; written before it is completed. */
    private volatile @Nullable Wakes wakes;
    /** The answer a {@link Wakes} completes this caller with; written before it is handed to one. */
    private @Nullable T deferred;

    /**
     * Answers this caller with {@code value}: at once, or, while the current thread collects a write's
     * callers ({@link Wakes#collect}), when that write's callers are woken.
     */
    void answer(@Nullable T value) {
        Wakes collecting = Wakes.COLLECTING.get();
        if (collecting == null) {
            complete(value);
        } else {
            deferred = value;
            wakes = collecting;
            collecting.add(this);
        }
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        try {
            return super.get();
        } finally {
            helpWake();
        }
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        try {
            return super.get(timeout, unit);
        } finally {
            helpWake();
        }
    }

    @Override
    public T join() {
        try {
            return super.join();
        } finally {
            helpWake();
        }
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }

    /** Wakes up to {@link #HELP_LIMIT} other callers of the write that answered this one, not yet woken; once. */
    private void helpWake() {
        Wakes helping = wakes;
        if (helping != null) {
            wakes = null;
            helping.wake(HELP_LIMIT);
        }
    }

    /**
     * The callers answered by one write, woken by whoever takes them first: the answering thread, or a
     * caller it (or another caller) woke. Filled by one thread inside {@link #collect}, then published
     * ({@code published}) and only read.
     */
    static final class Wakes {

        /** The collection in progress on this thread, if any (only inside {@link #collect}). */
        private static final ThreadLocal<Wakes> COLLECTING = new ThreadLocal<>();

        private final List<CallerFuture<?>> callers = new ArrayList<>();
        /**
         * How many callers there are, set once all are collected; 0 until then, so a caller completed some
         * other way meanwhile (cancelled by its own code) finds none to wake yet.
         */
        private volatile int published;
        /** The next caller to take for waking. */
        private final AtomicInteger next = new AtomicInteger();

        Wakes() {
        }

        /**
         * Runs {@code answer} (which ends a written batch's operations) collecting the answers it gives
         * callers, then wakes those callers, helped by the first of them that wake. Returns once every
         * caller has been taken for waking (the last ones taken may still be being woken by a helper);
         * also when {@code answer} throws (whoever it answered is woken), rethrowing what it threw.
         */
        static void collect(Runnable answer) {
            Wakes wakes = new Wakes();
            try {
                wakes.gather(answer);
            } finally {
                wakes.wake(Integer.MAX_VALUE);
            }
        }

        /** Runs {@code answer} collecting the answers it gives callers, and publishes them; wakes none. */
        void gather(Runnable answer) {
            Wakes outer = COLLECTING.get();
            COLLECTING.set(this);
            try {
                answer.run();
            } finally {
                COLLECTING.set(outer);
                published = callers.size();
            }
        }

        private void add(CallerFuture<?> caller) {
            callers.add(caller);
        }

        /**
         * Wakes up to {@code most} callers not yet taken, one at a time; none before they are published
         * (a caller can be completed otherwise meanwhile, e.g. cancelled by its own code).
         */
        void wake(int most) {
            int size = published;
            for (int woken = 0; woken < most && next.get() < size; woken++) {
                int i = next.getAndIncrement();
                if (i >= size) {
                    return;
                }
                callers.get(i).wake();
            }
        }
    }

    /** Completes this caller with the answer deferred to a {@link Wakes}. */
    private void wake() {
        T value = deferred;
        deferred = null;
        complete(value);
    }
}
