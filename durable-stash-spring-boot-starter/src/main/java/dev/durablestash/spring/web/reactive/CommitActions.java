package dev.durablestash.spring.web.reactive;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.springframework.http.server.reactive.ServerHttpResponse;

import reactor.core.publisher.Mono;

/**
 * Adds a response's commit action while the response may be committing on another thread.
 *
 * <p><b>Thread-safety:</b> stateless; thread-safe.
 */
final class CommitActions {

    private CommitActions() {
    }

    /**
     * Adds {@code action} to the response's commit actions, then looks whether the response committed
     * meanwhile: a commit that took its actions before this one was added never runs it. Once the response
     * counts as committed, whichever comes first claims the action, the commit running it or this look.
     *
     * @param response a response that was not committed when the caller looked
     * @param action what to run as the response commits
     * @return {@code true} when the commit runs the action; {@code false} when it never does (the response
     *     committed as it was added)
     */
    static boolean addUnlessTaken(ServerHttpResponse response, Supplier<? extends Mono<Void>> action) {
        AtomicBoolean claimed = new AtomicBoolean();
        response.beforeCommit(() -> claimed.compareAndSet(false, true) ? action.get() : Mono.empty());
        return !(response.isCommitted() && claimed.compareAndSet(false, true));
    }
}
