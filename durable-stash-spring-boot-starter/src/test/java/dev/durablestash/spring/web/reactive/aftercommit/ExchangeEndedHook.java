package dev.durablestash.spring.web.reactive.aftercommit;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;

/**
 * A filter of the test apps, ordered after the starter's {@code SidWebFilter} (inside it): its
 * {@code doFinally} runs after the starter's end of the exchange, so a test that waits for {@link #ended} looks
 * at what that end logged. One map for the JVM, keyed by request path: a test {@link #clear()}s it first.
 */
public final class ExchangeEndedHook implements WebFilter, Ordered {

    private static final Map<String, CompletableFuture<Void>> ENDED = new ConcurrentHashMap<>();

    /** @return completed once the last exchange of {@code path} ended, after the starter's end of it */
    public static CompletableFuture<Void> ended(String path) {
        return ENDED.computeIfAbsent(path, p -> new CompletableFuture<>());
    }

    public static void clear() {
        ENDED.clear();
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().value();
        return chain.filter(exchange).doFinally(signal -> ended(path).complete(null));
    }

    @Override
    public int getOrder() {
        return 0;
    }
}
