package dev.durablestash.sample.counter;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpCookie;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.spring.autoconfigure.DurableStashProperties;

import reactor.core.publisher.Mono;

/**
 * How long each browser session's last write took, for the page's engine panel: the time from the
 * stash (or reset) until storage acknowledged it. Kept in memory only, for the most recent
 * {@value #SESSIONS} browser sessions, keyed by the {@code sid} cookie; a restart forgets it.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
@Component
class WriteTimings {

    static final int SESSIONS = 1_000;

    private final String cookieName;
    private final Map<String, Duration> lastWrite = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Duration> eldest) {
            return size() > SESSIONS;
        }
    };

    WriteTimings(DurableStashProperties properties) {
        this.cookieName = properties.getCookie().getName();
    }

    /**
     * @param write a stash or a reset that completes when storage acknowledged it; started when the
     *     returned {@code Mono} is subscribed to
     * @return {@code write}, which on success also remembers how long it took
     */
    Mono<Void> time(ServerWebExchange exchange, Mono<Void> write) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            return write.doOnSuccess(done -> remember(exchange, Duration.ofNanos(System.nanoTime() - start)));
        });
    }

    /** @return how long the last timed write of this exchange's browser session took, or {@code null} if none since start */
    @Nullable Duration lastWrite(ServerWebExchange exchange) {
        String sid = sid(exchange);
        if (sid == null) {
            return null;
        }
        synchronized (lastWrite) {
            return lastWrite.get(sid);
        }
    }

    private void remember(ServerWebExchange exchange, Duration took) {
        String sid = sid(exchange);
        if (sid != null) {
            synchronized (lastWrite) {
                lastWrite.put(sid, took);
            }
        }
    }

    private @Nullable String sid(ServerWebExchange exchange) {
        HttpCookie cookie = exchange.getRequest().getCookies().getFirst(cookieName);
        return cookie == null ? null : cookie.getValue();
    }
}
