package dev.durablestash.spring.web;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

/**
 * Where the non-blocking writes of one request's bound views are sent: at once, or, while the browser
 * session's state moves from a sid to a new one ({@link #holdUntil}), once the move landed, to the sid the views
 * have then; should {@code released} fail (a login's move that failed), the writes of the views still on the sid
 * the move was to leave fail with its error, unsent, as their later writes do until another move lands (where
 * whoever planted that sid would read them); those of views bound under another sid since (the session ended or
 * was replaced) go. A write is sent under the same lock the move's start takes, so either it reaches the engine
 * before the move does (it is queued at the old sid ahead of the move, and moves along), or it waits for the
 * move: none lands under the old sid after the move started.
 *
 * <p>Thread-safety: thread-safe. The write is sent while the lock is held, so it must not block; the
 * engine may complete it on the calling thread, running what waits for it there (which may take the browser
 * session's lock): once other threads can see this gate, its lock is never taken while the browser session's
 * or the views' lock is held.
 */
final class WriteGate {

    private static final CompletableFuture<Void> OPEN = CompletableFuture.completedFuture(null);

    /** Completed once the writes may go (the move landed); failed while they must not (the move failed). */
    private CompletableFuture<?> released = OPEN; // guarded by this
    /** The sid the last move was to leave. */
    private @Nullable String movedFrom; // guarded by this

    /**
     * Holds every write sent from now on until {@code released} completed: then they are sent, or, when it
     * failed, those of views still under {@code from} fail with its error, as their later ones do. Each write
     * sent before this call has reached the engine when it returns.
     *
     * @param from the sid the move is to leave
     */
    synchronized void holdUntil(CompletableFuture<?> released, String from) {
        this.released = released;
        this.movedFrom = from;
    }

    /**
     * @param sid the sid the view's write would go to now (read under the lock)
     * @param write sends a write, reading the binding's sid as it does
     * @return the write's stage, or one that completes as it once sent after the hold, or fails with the
     *     hold's error (the write unsent)
     */
    CompletionStage<Void> send(Supplier<String> sid, Supplier<CompletionStage<Void>> write) {
        CompletableFuture<?> held;
        synchronized (this) {
            held = released;
            if (held.isDone()) {
                if (held.isCompletedExceptionally() && sid.get().equals(movedFrom)) {
                    return held.thenApply(ignored -> null); // fails with the move's error, unsent
                }
                return write.get();
            }
        }
        // Held: looked at again once the move ended (another move may hold the writes by then, or it failed and
        // the view is still on the sid it was to leave).
        return held.handle((ignored, error) -> null).thenCompose(ignored -> send(sid, write));
    }
}
