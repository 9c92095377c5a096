package dev.durablestash.spring.web.reactive.testapp;

import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.stereotype.Component;
import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;

/**
 * A filter ahead of every other (an audit filter, say) that reads a request's body before the starter's
 * {@code SidWebFilter} sees it, only when a request header asks it to: {@value #FORM_HEADER} reads the
 * form through {@code exchange.getFormData()} (which Spring keeps for the exchange), {@value #RAW_HEADER}
 * reads the raw body and drops it.
 */
@Component
public class EarlyFormReader implements WebFilter, Ordered {

    /** Asks the filter to read the form data. */
    public static final String FORM_HEADER = "X-Test-Read-Form-Early";

    /** Asks the filter to read the raw body. */
    public static final String RAW_HEADER = "X-Test-Read-Body-Early";

    private static final AtomicReference<@Nullable MultiValueMap<String, String>> READ = new AtomicReference<>();

    /** @return the form the filter read last (and forgets it), or {@code null} */
    public static @Nullable MultiValueMap<String, String> takeRead() {
        return READ.getAndSet(null);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (exchange.getRequest().getHeaders().containsHeader(FORM_HEADER)) {
            return exchange.getFormData().doOnNext(READ::set).then(chain.filter(exchange));
        }
        if (exchange.getRequest().getHeaders().containsHeader(RAW_HEADER)) {
            return DataBufferUtils.join(exchange.getRequest().getBody()).doOnNext(DataBufferUtils::release)
                    .then(chain.filter(exchange));
        }
        return chain.filter(exchange);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
