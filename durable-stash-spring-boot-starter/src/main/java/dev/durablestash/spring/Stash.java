package dev.durablestash.spring;

import dev.durablestash.core.Recovery;
import dev.durablestash.core.RecoveryStatus;
import dev.durablestash.core.StashWriteException;

/**
 * Explicit control over the stash of one view in the current request. Declare a parameter of this
 * type on a handler method of a view controller (one with {@link Stashed} fields), or of a handler
 * that takes exactly one view state object as an argument, and the starter passes the handle for
 * that view.
 *
 * <p>Without it, a view's changed {@link Stashed} fields are stashed automatically after the
 * handler returns and before the response is committed; for a deferred asynchronous result
 * ({@code Callable}, {@code DeferredResult}, {@code CompletableFuture}, {@code WebAsyncTask}), after
 * the result is produced and before it is written. Use {@link #stashNow()} when the handler writes
 * to the response itself, when a streaming response ({@code SseEmitter}, {@code ResponseBodyEmitter},
 * {@code StreamingResponseBody}) changes fields after it started (those changes are not stashed
 * automatically), and {@link #reset()} to start the view over.
 *
 * <p><b>Thread-safety:</b> not thread-safe; bound to one request. Use it on the handler's thread, or,
 * after the handler method returned, on the one thread that produces its asynchronous result or
 * stream (not on both at once).
 */
public interface Stash {

    /**
     * @return how the view's fields were recovered for this request: {@link RecoveryStatus#RECOVERED},
     *     {@link RecoveryStatus#NOT_FOUND} (defaults) or {@link RecoveryStatus#ERROR} (storage could not
     *     be read; the fields kept their defaults). A view of a request that made a new browser session is
     *     {@code NOT_FOUND} without a read, also while storage is down: nothing can be stored for it
     */
    default RecoveryStatus status() {
        return recovery().status();
    }

    /** @return the full recovery result, with the recovered values and, for an error, its cause */
    Recovery recovery();

    /**
     * Stashes the view's changed fields now and waits until they are durable (at most the operation
     * timeout, plus half a second). Later changes are still stashed automatically at
     * the end of the handler, unless the response streams.
     *
     * @throws StashWriteException when the storage write failed, or when the view has changes but
     *     could not be recovered ({@link RecoveryStatus#ERROR}): its fields started from defaults, and
     *     stashing them would overwrite the stored state (answered with the configured failure status,
     *     503 by default, if not caught)
     * @throws dev.durablestash.core.InvalidStashValueException when a value cannot be stored as JSON
     */
    void stashNow();

    /**
     * Removes everything stored for this view in this browser session and puts the view's
     * {@link Stashed} fields back to the values they had before recovery (their defaults). Changes
     * made after the reset are stashed as usual.
     *
     * @throws StashWriteException when the storage write failed
     */
    void reset();

    /** @return the view name */
    String view();
}
