package dev.durablestash.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operations a {@link SessionActor} takes, in arrival order: a recover, a stash (or reset), and a
 * change of the whole session (a session id rotation or an end). Each carries the future the actor
 * completes exactly once ({@link Outcomes}).
 */
final class SessionOps {

    private SessionOps() {
    }

    /** A caller's operation, finished exactly once by the actor. */
    sealed interface Op permits RecoverOp, StashOp, SessionChange {
    }

    /** A change of the whole session: runs alone, in its place in the arrival order. */
    sealed interface SessionChange extends Op permits RotateOp, EndOp {

        CompletableFuture<Void> result();

        String name();
    }

    record RecoverOp(ViewDefinition view, MountKind mount, CompletableFuture<Recovery> result) implements Op {
    }

    /**
     * {@code internal} marks the actor's own writes (cleanup, expiry refresh, migration, moves): no caller waits.
     * {@code answer} decides between the write's outcome and its caller's deadline: a stash whose caller was told
     * it failed is not written again (the actor drops it from its batch before the batch's next write).
     * {@code underNewSid}: the caller made the session id new and handed it to no one yet, so nothing is stored
     * under it (a hint: see {@link SessionStorage#assumeAbsent()}).
     */
    record StashOp(SliceDiff diff, CompletableFuture<Void> result, boolean internal, CallerAnswer answer,
            boolean underNewSid) implements Op {

        /** A stash whose deadline no one answers (the actor's own writes, tests that drive an actor directly). */
        StashOp(SliceDiff diff, CompletableFuture<Void> result, boolean internal) {
            this(diff, result, internal, new CallerAnswer(), false);
        }
    }

    /**
     * Moves the session's state to {@code target}, the storage key of a brand-new session id, and removes it here.
     * {@code answer} decides between the rotation's outcome and its caller's deadline: a caller told that the
     * rotation failed keeps the old id, so the state must end up under it.
     */
    record RotateOp(String target, CompletableFuture<Void> result, CallerAnswer answer) implements SessionChange {

        @Override
        public String name() {
            return "rotate";
        }
    }

    /** Removes the session's state. */
    record EndOp(CompletableFuture<Void> result) implements SessionChange {

        @Override
        public String name() {
            return "end";
        }
    }

    /**
     * Who answers an operation's caller: the operation's outcome or its deadline, whichever comes first. An
     * operation whose success cannot be undone once its caller is told it failed (a rotation: the caller keeps
     * the old session id) reserves the answer for its outcome before it reports success. Thread-safe.
     */
    static final class CallerAnswer {

        private static final int OPEN = 0;
        private static final int RESERVED = 1;
        private static final int ANSWERED = 2;

        private final AtomicInteger state = new AtomicInteger(OPEN);

        /** @return {@code true} if the deadline answers the caller: neither answered nor reserved before */
        boolean takeForDeadline() {
            return state.compareAndSet(OPEN, ANSWERED);
        }

        /** @return {@code true} if the outcome answers the caller: the deadline did not answer before */
        boolean takeForOutcome() {
            int now;
            do {
                now = state.get();
                if (now == ANSWERED) {
                    return false;
                }
            } while (!state.compareAndSet(now, ANSWERED));
            return true;
        }

        /**
         * Reserves the answer for the outcome: the deadline can no longer answer.
         *
         * @return {@code false} if the deadline answered already (the caller was told the operation failed)
         */
        boolean reserveForOutcome() {
            return state.compareAndSet(OPEN, RESERVED) || state.get() == RESERVED;
        }

        /** @return whether the deadline answered the caller (asked before the outcome answers) */
        boolean deadlinePassed() {
            return state.get() == ANSWERED;
        }
    }
}
