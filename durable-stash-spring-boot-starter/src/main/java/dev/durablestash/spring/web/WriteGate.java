package dev.durablestash.spring.web;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Where the non-blocking writes of one request's bound views are sent: at once, or, while the browser
 * session's state moves to a new sid ({@link #holdUntil}), once the move landed, to the sid the views have
 * then; should {@code released} fail (a login's move that failed), they fail with its error, unsent, and so
 * does every later write until the views are dropped ({@link #reopen}) or another move lands: the views are
 * still on the old sid, which the move was to leave. A write is sent under the same lock the move's start
 * takes, so either it reaches the engine before the move does (it is queued at the old sid ahead of the
 * move, and moves along), or it waits for the move: none lands under the old sid after the move started
 * (where whoever planted that sid would read it).
 *
 * <p>Thread-safety: thread-safe. The write is sent while the lock is held, so it must not block; the
 * engine may complete it on the calling thread, running what waits for it there.
 */
final class WriteGate {

    private static final CompletableFuture<Void> OPEN = CompletableFuture.completedFuture(null);

    /** Completed once the writes may go (the move landed); failed while they must not (the move failed). */
    private CompletableFuture<?> released = OPEN; // guarded by this

    /**
     * Holds every write sent from now on until {@code released} completed: then they are sent, or fail with
     * its error when it failed, as later ones do. Each write sent before this call has reached the engine when
     * it returns.
     */
    synchronized void holdUntil(CompletableFuture<?> released) {
        this.released = released;
    }

    /** The views were dropped: the writes of those bound from now on go at once, whatever a failed move held. */
    synchronized void reopen() {
        released = OPEN;
    }

    /**
     * @param write sends a write, reading the binding's sid as it does
     * @return the write's stage, or one that completes as it once sent after the hold, or fails with the
     *     hold's error (the write unsent)
     */
    CompletionStage<Void> send(Supplier<CompletionStage<Void>> write) {
        CompletableFuture<?> held;
        synchronized (this) {
            held = released;
            if (held.isDone() && !held.isCompletedExceptionally()) {
                return write.get();
            }
        }
        // Held: looked at again once the move landed (another move may hold the writes by then); failed with a
        // failed move.
        return held.thenCompose(ignored -> send(write));
    }
}
