package dev.durablestash.spring.web.reactive;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

import reactor.core.publisher.Mono;

/**
 * Turns DurableStash errors that leave WebFlux's dispatcher (a failed stash of a functional route, of
 * a rendered view) into HTTP statuses, ahead of Spring Boot's error handler, which then renders the
 * status as usual: a {@link dev.durablestash.core.StashWriteException} the configured failure status,
 * 503 by default (WARN), an {@link dev.durablestash.core.InvalidStashValueException} 500 (ERROR). Any
 * error that reaches it stops the exchange's stashes: an error page stashes nothing.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class ReactiveStashExceptionHandler implements WebExceptionHandler, Ordered {

    /** The order: before Spring Boot's {@code ErrorWebExceptionHandler} ({@code -1}). */
    public static final int ORDER = -10;

    private final int failureStatus;

    /** @param failureStatus the status for a failed stash, e.g. 503 */
    public ReactiveStashExceptionHandler(int failureStatus) {
        this.failureStatus = failureStatus;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ExchangeViews views = ExchangeViews.find(exchange);
        if (views != null) {
            views.handlerFailed();
        }
        if (!StashFailures.isStashFailure(ex)) {
            return Mono.error(ex);
        }
        StashFailures.log(exchange, ex, failureStatus);
        if (exchange.getResponse().isCommitted()) {
            return Mono.error(ex);
        }
        exchange.getResponse().getHeaders().remove(HttpHeaders.LOCATION);
        return Mono.error(new ResponseStatusException(StashFailures.status(ex, failureStatus), ex.getMessage(), ex));
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
