package dev.durablestash.core;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;

/**
 * First-come, first-served turns per (session, view) lane: an asynchronous FIFO mutex, so a waiter
 * parks no thread (WebFlux can wait for its turn on a callback).
 *
 * <p>A lane exists only while its turn is held: the holder's {@link ViewTurn#close()} grants the
 * oldest waiter still waiting, or removes the lane. All lane changes run inside
 * {@link ConcurrentHashMap#compute}, which locks the lane's bin; futures are completed outside it, so
 * a waiter's continuation never runs under that lock. A waiter whose deadline passes fails with
 * {@link StashTimeoutException} and leaves the queue; a turn that raced its deadline and lost is
 * handed on at once (a close inside a grant's dependent actions hands on inside that grant, up
 * to a bounded depth, deeper ones in a loop once that grant returned). The caller gets the waiter's own future: one it
 * completes itself (a cancel, a shorter bound of its own) gives the wait up, and is skipped like one
 * past its deadline. Thread-safe.
 */
final class ViewTurns {

    private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
    /**
     * The hand-ons under way on this thread: a grant's dependent actions run on the granting thread, and one
     * that closes a turn hands it on inside that grant. Up to {@link #MAX_NESTED_HAND_ONS} of them nest (a
     * dependent action that closes its turn and then waits for the lane again gets it before it waits);
     * deeper closes are queued and handed on, in a loop, by the deepest hand-on once its grant returned, so
     * that a chain of thousands of waiters that close their turn when granted does not overflow the stack
     * (which left the lane held by nobody), whatever executor the engine has. Per thread: element 0 the
     * number of hand-ons under way (an {@code int[1]}), element 1 the lanes queued (an {@code ArrayDeque} of
     * lane keys): JDK types only, so that a server's thread, which keeps its entry, keeps no class of the
     * application's (a container's threads outlive an application undeployed from it).
     */
    private final ThreadLocal<Object[]> handOns = ThreadLocal.withInitial(
            () -> new Object[] {new int[1], new ArrayDeque<String>()});
    private static final int MAX_NESTED_HAND_ONS = 16;
    private final Deadlines deadlines;
    private final Duration timeout;

    ViewTurns(Deadlines deadlines, Duration timeout) {
        this.deadlines = deadlines;
        this.timeout = timeout;
    }

    /** The waiters of one lane; the turn is held while the lane exists. Guarded by the map's bin lock. */
    private static final class Lane {
        final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
    }

    private final class Waiter {
        final String lane;
        final String view;
        final CompletableFuture<ViewTurn> granted = new CompletableFuture<>();
        @Nullable Future<?> deadline;

        Waiter(String lane, String view) {
            this.lane = lane;
            this.view = view;
        }
    }

    private final class Turn implements ViewTurn {
        private final String lane;
        private final AtomicBoolean closed = new AtomicBoolean();

        Turn(String lane) {
            this.lane = lane;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                handOn(lane);
            }
        }

        @Override
        public String toString() {
            return "ViewTurn[" + (closed.get() ? "closed" : "held") + "]";
        }
    }

    /**
     * @param lane the lane key (session storage key and view name)
     * @param view the view's name, for the timeout message
     * @return a stage that completes with the turn, or exceptionally with {@link StashTimeoutException}
     */
    CompletionStage<ViewTurn> acquire(String lane, String view) {
        Waiter waiter = new Waiter(lane, view);
        boolean[] immediate = new boolean[1];
        lanes.compute(lane, (key, existing) -> {
            if (existing == null) {
                immediate[0] = true;
                return new Lane();
            }
            existing.waiting.add(waiter);
            return existing;
        });
        if (immediate[0]) {
            waiter.granted.complete(new Turn(lane));
        } else {
            waiter.deadline = deadlines.after(timeout, () -> expire(waiter));
            if (waiter.granted.isDone()) {
                waiter.deadline.cancel(false); // granted before the deadline was set
            }
        }
        // The waiter's own future, not a copy: a caller that gives the wait up by completing it (cancel, a
        // bound of its own) is skipped by handOn, where a copy would leave the turn granted to nobody.
        return waiter.granted;
    }

    private void expire(Waiter waiter) {
        lanes.computeIfPresent(waiter.lane, (key, lane) -> {
            lane.waiting.remove(waiter);
            return lane;
        });
        waiter.granted.completeExceptionally(StashTimeoutException.turnNotGranted(waiter.view, timeout));
    }

    private void handOn(String lane) {
        Object[] state = handOns.get();
        int[] nested = (int[]) state[0];
        @SuppressWarnings("unchecked")
        ArrayDeque<String> queued = (ArrayDeque<String>) state[1];
        if (nested[0] >= MAX_NESTED_HAND_ONS) {
            queued.add(lane); // handed on by the deepest hand-on, once its grant returned
            return;
        }
        nested[0]++;
        try {
            handOnOnce(lane);
            if (nested[0] == MAX_NESTED_HAND_ONS) {
                String next;
                while ((next = queued.poll()) != null) {
                    handOnOnce(next);
                }
            }
        } finally {
            nested[0]--;
        }
    }

    private void handOnOnce(String lane) {
        while (true) {
            Waiter[] next = new Waiter[1];
            lanes.computeIfPresent(lane, (key, current) -> {
                Waiter w;
                while ((w = current.waiting.poll()) != null) {
                    if (!w.granted.isDone()) {
                        next[0] = w;
                        return current; // still held: by w now
                    }
                }
                return null; // nobody waits: the lane is free
            });
            Waiter w = next[0];
            if (w == null) {
                return;
            }
            Future<?> deadline = w.deadline;
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (w.granted.complete(new Turn(lane))) {
                return;
            }
            // w's deadline passed between the choice and the grant: hand the turn on again.
        }
    }

    /** @return lanes whose turn is held right now */
    int heldLanes() {
        return lanes.size();
    }
}
