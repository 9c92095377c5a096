package dev.durablestash.spring.web.reactive;

import java.util.Objects;
import java.util.function.Supplier;

import org.springframework.core.Ordered;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.durablestash.core.SessionCookieValues;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.web.BrowserSessionSettings;
import dev.durablestash.spring.web.SidCookie;

import reactor.core.publisher.Mono;

/**
 * Puts a {@link ReactiveBrowserSession} on every exchange, which reads the {@code sid} cookie (and
 * issues a new one, lazily) as {@link SidCookie} says: HttpOnly, SameSite=Lax, Secure when the
 * request is. The cookie value is the sid tagged under the secret ({@link SessionCookieValues}): a
 * sid the server did not issue is never adopted, and the session is bound to the principal the
 * {@link ReactivePrincipalResolver} names. The reactive counterpart of the servlet {@code SidFilter}, with
 * the same order.
 *
 * <p>A request with a form body ({@code application/x-www-form-urlencoded}) and no mount kind in the
 * {@code X-Stash-Mounts} header or the query goes on with its form data read from a copy of the body,
 * which is its body again for the handler: the {@code _mounts} field can be looked up without starving a
 * handler that reads the raw body. The copy is bounded by the form reader's {@code maxInMemorySize}. A
 * form body an earlier filter read already gives the form Spring kept for the exchange, or, read raw,
 * counts as a rejoin ({@link FormBodyReplay}).
 *
 * <p>When the handling of an exchange leaves a response without a body uncommitted (a redirect, an
 * empty body), the exchange's views are stashed here, so that a failed stash still reaches the
 * exception handlers (the commit that follows would be too late to change the status). When the
 * exchange ends, however it ends (a response, an error, a client that went away), the
 * turns it holds at atomic views are handed on.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class SidWebFilter implements WebFilter, Ordered {

    /** The default order: early, before Spring Security's {@code WebFilterChainProxy}. */
    public static final int DEFAULT_ORDER = Ordered.HIGHEST_PRECEDENCE + 60;

    private final BrowserSessionSettings<ReactivePrincipalResolver> settings;
    private int order = DEFAULT_ORDER;
    private ServerCodecConfigurer codecs = ServerCodecConfigurer.create();

    /**
     * @param cookie how the sid cookie is written; with a max-age it is written again on every
     *     exchange that uses the sid (the lifetime slides)
     * @param settings the engine's settings, asked for on first use: their secrets tag sids for the
     *     cookie and their operation timeout bounds rotate and end
     * @param adapter the engine, asked for on first use
     */
    public SidWebFilter(SidCookie cookie, Supplier<StashSettings> settings, Supplier<StashAdapter> adapter) {
        this.settings = new BrowserSessionSettings<>(cookie, ReactivePrincipalResolver.EXCHANGE_PRINCIPAL, settings,
                adapter);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (ReactiveBrowserSession.find(exchange) == null) {
            exchange.getAttributes().put(ReactiveBrowserSession.ATTRIBUTE, new ReactiveBrowserSession(settings,
                    exchange));
        }
        ServerWebExchange handled = FormBodyReplay.decorate(exchange, codecs); // a form's _mounts field
        handled = ParsedMultipartGuard.decorate(handled); // an upload form's _mounts field
        return chain.filter(handled)
                .then(Mono.defer(() -> ExchangeViews.stashUncommitted(exchange)))
                .doFinally(signal -> ExchangeViews.exchangeEnded(exchange));
    }

    /**
     * @param principals tells which principal an exchange acts for, to bind its browser session to;
     *     {@link ReactivePrincipalResolver#EXCHANGE_PRINCIPAL} by default
     */
    public void setPrincipalResolver(ReactivePrincipalResolver principals) {
        settings.principals(principals);
    }

    /**
     * @param codecs the codecs whose form reader reads a form body to find its {@code _mounts} field (its
     *     {@code maxInMemorySize} bounds the copy of the body kept for the handler); WebFlux's defaults
     *     unless set
     */
    public void setCodecConfigurer(ServerCodecConfigurer codecs) {
        this.codecs = Objects.requireNonNull(codecs, "codecs");
    }

    @Override
    public int getOrder() {
        return order;
    }

    /** @param order the filter's order among the web filters */
    public void setOrder(int order) {
        this.order = order;
    }
}
