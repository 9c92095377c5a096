package dev.durablestash.core;

import java.util.concurrent.CompletableFuture;

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

    /** {@code internal} marks the actor's own writes (cleanup, expiry refresh, migration, moves): no caller waits. */
    record StashOp(SliceDiff diff, CompletableFuture<Void> result, boolean internal) implements Op {
    }

    /** Moves the session's state to {@code target}, the storage key of a brand-new session id, and removes it here. */
    record RotateOp(String target, CompletableFuture<Void> result) implements SessionChange {

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
}
