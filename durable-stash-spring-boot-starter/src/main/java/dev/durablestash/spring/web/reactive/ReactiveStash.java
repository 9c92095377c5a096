package dev.durablestash.spring.web.reactive;

import dev.durablestash.core.Recovery;
import dev.durablestash.core.RecoveryStatus;
import dev.durablestash.core.StashWriteException;

import reactor.core.publisher.Mono;

/**
 * Explicit control over the stash of one view in the current WebFlux exchange: the non-blocking
 * counterpart of {@link dev.durablestash.spring.Stash}. Declare a parameter of this type on a handler
 * method of a view controller, or of a handler that takes exactly one view state object, or get it
 * in a functional route from {@link StashedRoutes#handle}.
 *
 * <p>Without it, a view's changed {@code @Stashed} fields are stashed automatically just before the
 * response is committed, or, when an annotated handler returns a {@code Flux} body written as a stream
 * (server-sent events, say), as the stream starts. Use {@link #stash()} for changes made after that
 * (while the stream produces its elements), and {@link #reset()} to start the view over.
 *
 * <p><b>Thread-safety:</b> not thread-safe; bound to one exchange. Subscribe to one returned
 * {@code Mono} at a time, and do not change the fields while a {@link #stash()} runs; {@link #reset()}
 * puts them back at once when subscribed to, and values set after that (while its write runs) are
 * changes from the defaults.
 */
public interface ReactiveStash {

    /**
     * @return how the view's fields were recovered: {@link RecoveryStatus#RECOVERED},
     *     {@link RecoveryStatus#NOT_FOUND} (defaults) or {@link RecoveryStatus#ERROR} (storage could not
     *     be read; the fields kept their defaults). A view of an exchange that made a new browser session is
     *     {@code NOT_FOUND} without a read, also while storage is down: nothing can be stored for it
     */
    default RecoveryStatus status() {
        return recovery().status();
    }

    /** @return the full recovery result, with the recovered values and, for an error, its cause */
    Recovery recovery();

    /** @return the view name */
    String view();

    /** @return the view instance whose fields are recovered and stashed */
    Object target();

    /**
     * Stashes the view's changed fields now.
     *
     * @return a {@code Mono} that completes when they are durable, or fails with a
     *     {@link StashWriteException} (the write failed, or the view could not be recovered and its
     *     fields started from defaults) or an {@link dev.durablestash.core.InvalidStashValueException}
     */
    Mono<Void> stash();

    /**
     * Puts the fields back to their defaults (when the {@code Mono} is subscribed to) and removes
     * everything stored for this view in this browser session. Values set afterwards are changes from
     * the defaults; a stash of them started before the reset ended waits for it.
     *
     * @return a {@code Mono} that completes when the stored state is removed, or fails with a
     *     {@link StashWriteException} (the fields stay at their defaults)
     */
    Mono<Void> reset();
}
