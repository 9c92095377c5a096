package dev.durablestash.spring.web.reactive;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.core.InvalidStashValueException;
import dev.durablestash.core.StashWriteException;

import reactor.core.publisher.Mono;

/**
 * How a DurableStash error becomes a response: a {@link StashWriteException} (nothing was
 * acknowledged) the failure status, 503 by default, logged at WARN; an
 * {@link InvalidStashValueException} 500, logged at ERROR. Nothing of the exchange is stashed
 * afterwards.
 */
final class StashFailures {

    private static final Logger log = LoggerFactory.getLogger(StashFailures.class);

    private StashFailures() {
    }

    static boolean isStashFailure(Throwable ex) {
        return ex instanceof StashWriteException || ex instanceof InvalidStashValueException;
    }

    /** @return the status for a stash failure */
    static HttpStatusCode status(Throwable ex, int failureStatus) {
        return ex instanceof StashWriteException ? HttpStatusCode.valueOf(failureStatus)
                : HttpStatus.INTERNAL_SERVER_ERROR;
    }

    /**
     * Logs the failure, stops the exchange's stashes and sets the status (and drops a redirect's
     * {@code Location}), unless the response is committed already.
     *
     * @return a {@code Mono} that completes at once: the response is then sent as it is
     */
    static Mono<Void> answer(ServerWebExchange exchange, Throwable ex, int failureStatus) {
        log(exchange, ex, failureStatus);
        ExchangeViews views = ExchangeViews.find(exchange);
        if (views != null) {
            views.answered();
        }
        ServerHttpResponse response = exchange.getResponse();
        if (!response.isCommitted()) {
            response.setStatusCode(status(ex, failureStatus));
            response.getHeaders().remove(HttpHeaders.LOCATION);
        }
        return Mono.empty();
    }

    static void log(ServerWebExchange exchange, Throwable ex, int failureStatus) {
        if (ex instanceof StashWriteException write) {
            log.warn("Stash of view '{}' failed, answering {} to {} {}: {}", write.view(), failureStatus,
                    exchange.getRequest().getMethod(), exchange.getRequest().getPath(), write.getMessage());
        } else if (ex instanceof InvalidStashValueException invalid) {
            // One line: what a visitor sends can make a value unstorable, and must not flood the log. The
            // stack trace (of a serializer's failure, say) at DEBUG.
            log.error("Cannot stash key '{}' of view '{}' for {} {}: {}", invalid.key(), invalid.view(),
                    exchange.getRequest().getMethod(), exchange.getRequest().getPath(), invalid.getMessage());
            log.debug("The stack trace of the value that cannot be stored", invalid);
        }
    }
}
