package dev.durablestash.spring.web.reactive;

import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.core.SessionCookieValues;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashTimeoutException;
import dev.durablestash.core.StashWriteException;
import dev.durablestash.spring.ViewBinding;

import reactor.core.publisher.Mono;

/**
 * The browser session of one WebFlux exchange: its {@code sid}, read from the cookie or issued on
 * first use. Put on the exchange by {@link SidWebFilter}; the reactive counterpart of the servlet
 * {@code BrowserSession}, with the same rules.
 *
 * <p>The cookie is issued <b>lazily</b>: only when something asks for the {@link #sid()} (the starter
 * does when a view is mounted). Within one exchange the sid is stable until {@link #rotate()} or
 * {@link #end()} changes it. A sid the server did not issue (untagged, forged, foreign), and a request
 * with two different valid sid cookies (cookie tossing), get a new, empty session
 * ({@link SessionCookieValues}).
 *
 * <p>Nothing blocks: the methods that wait for the engine return a {@link Mono} to subscribe to (at
 * most once each), which completes on an engine thread.
 *
 * <p><b>Thread-safety:</b> not thread-safe; bound to one exchange, used by its processing one step
 * at a time.
 */
public final class ReactiveBrowserSession {

    /** The exchange attribute this object is kept under. */
    public static final String ATTRIBUTE = ReactiveBrowserSession.class.getName();

    private static final Logger log = LoggerFactory.getLogger(ReactiveBrowserSession.class);

    private final SidWebFilter.Settings settings;
    private final ServerWebExchange exchange;
    private @Nullable String sid;
    private boolean isNew;
    /** The cookie that came with the request no longer counts (rotated, ended or abandoned). */
    private boolean cookieReplaced;

    ReactiveBrowserSession(SidWebFilter.Settings settings, ServerWebExchange exchange) {
        this.settings = settings;
        this.exchange = exchange;
    }

    /**
     * @param exchange an exchange
     * @return its browser session, or {@code null} when {@link SidWebFilter} did not run for it
     */
    public static @Nullable ReactiveBrowserSession find(ServerWebExchange exchange) {
        return exchange.getAttribute(ATTRIBUTE) instanceof ReactiveBrowserSession session ? session : null;
    }

    /**
     * @param exchange an exchange that went through {@link SidWebFilter}
     * @return its browser session
     * @throws IllegalStateException when the filter did not run for the exchange
     */
    public static ReactiveBrowserSession of(ServerWebExchange exchange) {
        ReactiveBrowserSession session = find(exchange);
        if (session == null) {
            throw new IllegalStateException("no DurableStash browser session on this exchange: the "
                    + SidWebFilter.class.getSimpleName() + " did not run for " + exchange.getRequest().getPath());
        }
        return session;
    }

    /**
     * Returns the browser session id: on first use the one this exchange gets ({@link #decide()}),
     * setting the cookie on the response when it is new.
     *
     * @return a {@code Mono} of the sid, the same for the whole exchange until {@link #rotate()} or
     *     {@link #end()}
     */
    public Mono<String> sid() {
        return Mono.defer(() -> {
            String current = sid;
            return current != null ? Mono.just(current) : decide().map(this::take);
        });
    }

    /**
     * @return {@code true} if this exchange was issued a new sid (no valid cookie came with it, or it
     *     was rotated); resolves the sid first
     */
    public Mono<Boolean> isNew() {
        return sid().map(s -> isNew);
    }

    /**
     * <b>Which sid this exchange gets</b>, decided in this one place: the sid of the one validly tagged
     * sid cookie the request carries, unless the cookie was replaced in this exchange; otherwise a new
     * sid.
     */
    private Mono<Decision> decide() {
        SessionCookieValues.Decoded fromCookie = cookieSid();
        if (fromCookie == null) {
            return Mono.just(new Decision(SessionIds.newSid(), true, true));
        }
        return Mono.just(new Decision(fromCookie.sid(), false, fromCookie.retag() || settings.refreshCookie()));
    }

    /**
     * @param sid the sid
     * @param isNew {@code true} when it was issued in this exchange
     * @param writeCookie {@code true} to set the cookie on the response
     */
    private record Decision(String sid, boolean isNew, boolean writeCookie) {
    }

    private String take(Decision decision) {
        String current = sid;
        if (current != null) {
            return current; // decided meanwhile by another subscriber of this exchange
        }
        sid = decision.sid();
        isNew = decision.isNew();
        if (decision.writeCookie()) {
            writeCookie(decision.sid());
        }
        return decision.sid();
    }

    /**
     * Rotates the session id, as the servlet {@code BrowserSession.rotate()} does: the views this exchange
     * has bound are stashed first, the stored state moves to a new sid, the response sets the new
     * cookie, and the bound views stash to the new sid afterwards. Does nothing when the exchange
     * carries no session.
     *
     * @return a {@code Mono} that completes once the state moved, or fails with a
     *     {@link StashWriteException} (the state then stays under the old sid, the cookie unchanged); a
     *     {@link StashTimeoutException} after the operation timeout
     */
    public Mono<Void> rotate() {
        return Mono.defer(() -> {
            String old = existingSid();
            if (old == null) {
                return Mono.empty();
            }
            ExchangeViews views = ExchangeViews.find(exchange);
            Mono<Void> stashed = views != null ? views.stashBound() : Mono.empty();
            String fresh = SessionIds.newSid();
            return stashed.then(await(() -> settings.adapter().rotate(old, fresh), "rotate"))
                    .then(Mono.fromRunnable(() -> {
                        adopt(fresh);
                        if (views != null) {
                            views.moveTo(fresh);
                        }
                    }));
        });
    }

    /**
     * Ends the browser session, as the servlet {@code BrowserSession.end()} does: the views bound in this
     * exchange are dropped, the cookie is cleared at once, and the stored state is removed.
     *
     * @return a {@code Mono} that completes once the state is removed, or fails with a
     *     {@link StashWriteException} (the cookie is cleared anyway; the state expires with the TTL)
     */
    public Mono<Void> end() {
        return Mono.defer(() -> {
            String old = existingSid();
            ExchangeViews views = ExchangeViews.find(exchange);
            if (views != null) {
                views.detach();
            }
            sid = null;
            isNew = false;
            cookieReplaced = true;
            writeCookie("");
            return old == null ? Mono.empty() : await(() -> settings.adapter().end(old), "end");
        });
    }

    /**
     * Gives the browser a new, empty session without touching storage (the fallback when
     * {@link #rotate()} failed and keeping the old sid is not an option).
     */
    public void abandon() {
        ExchangeViews views = ExchangeViews.find(exchange);
        if (views != null) {
            views.detach();
        }
        adopt(SessionIds.newSid());
    }

    private void adopt(String fresh) {
        sid = fresh;
        isNew = true;
        cookieReplaced = true;
        writeCookie(fresh);
    }

    private @Nullable String existingSid() {
        if (sid != null) {
            return sid;
        }
        SessionCookieValues.Decoded fromCookie = cookieSid();
        return fromCookie == null ? null : fromCookie.sid();
    }

    /**
     * @return the one sid the request's cookies carry with a valid tag, or {@code null}: none, several
     *     different ones (cookie tossing), or the cookie was replaced in this exchange
     */
    private SessionCookieValues.@Nullable Decoded cookieSid() {
        if (cookieReplaced) {
            return null;
        }
        SessionCookieValues.Decoded found = null;
        for (String value : settings.cookie().read(exchange)) {
            SessionCookieValues.Decoded decoded = settings.values().decode(value);
            if (decoded == null) {
                continue;
            }
            if (found != null && !found.sid().equals(decoded.sid())) {
                log.debug("Two different sid cookies came with a request to {}: adopting neither",
                        exchange.getRequest().getPath());
                return null;
            }
            if (found == null || !decoded.retag()) {
                found = decoded;
            }
        }
        return found;
    }

    /** Sets the cookie for {@code value} (a sid), or clears it for {@code ""}; the last call wins. */
    private void writeCookie(String value) {
        if (exchange.getResponse().isCommitted()) {
            log.warn("Cannot set the DurableStash sid cookie: the response to {} is already committed",
                    exchange.getRequest().getPath());
            return;
        }
        settings.cookie().write(exchange, value.isEmpty() ? "" : settings.values().encode(value));
    }

    /** Waits, without blocking, at most the operation timeout plus {@link ViewBinding#WAIT_MARGIN}. */
    private Mono<Void> await(java.util.function.Supplier<CompletionStage<Void>> operation, String name) {
        return Mono.fromCompletionStage(operation)
                .timeout(settings.operationTimeout().plus(ViewBinding.WAIT_MARGIN),
                        Mono.error(() -> new StashTimeoutException("(session)", name, settings.operationTimeout())))
                .onErrorMap(e -> !(e instanceof RuntimeException),
                        e -> new StashWriteException("(session)", name + " of the browser session failed", e));
    }

    @Override
    public String toString() {
        return "ReactiveBrowserSession[" + (sid == null ? "unresolved" : isNew ? "new" : "from cookie") + "]";
    }
}
