package dev.durablestash.spring.web.servlet;

import java.io.IOException;
import java.util.function.Supplier;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.session.web.http.CookieSerializer;
import org.springframework.web.filter.OncePerRequestFilter;

import org.jspecify.annotations.Nullable;

import dev.durablestash.core.SessionCookieValues;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.web.BrowserSessionSettings;
import dev.durablestash.spring.web.SidCookie;

/**
 * Puts a {@link BrowserSession} on every request, which reads the {@code sid} cookie (and issues a
 * new one, lazily) as the {@link SidCookie} says, with Spring Session's {@code DefaultCookieSerializer}:
 * HttpOnly, SameSite=Lax, Secure when the request is, unless configured otherwise. The cookie
 * value is the sid tagged under the secret ({@link SessionCookieValues}): a sid the server did not
 * issue is never adopted, and a sid is bound to the principal it was used by
 * ({@link #setPrincipalResolver}; see {@link BrowserSession}).
 *
 * <p>Runs early ({@link #DEFAULT_ORDER}), before Spring Security's filter chain, so any filter,
 * servlet or handler after it can call {@link BrowserSession#of}, and code without the request on the
 * thread that runs the rest of the chain {@link BrowserSession#current()}.
 *
 * <p>It also wraps every dispatch of a request (the first one, asynchronous ones, error ones) to
 * hand on the turns the request holds at atomic views when the
 * dispatch ends, or, when the request continues asynchronously, when that processing completes: a
 * turn never outlives its request, whatever path the request takes.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class SidFilter extends OncePerRequestFilter implements Ordered {

    /** The default order: just after Spring Session's {@code SessionRepositoryFilter}. */
    public static final int DEFAULT_ORDER = Ordered.HIGHEST_PRECEDENCE + 60;

    private final BrowserSessionSettings<PrincipalResolver> settings;
    private final SidCookie cookie;
    /** Built at the first request, so that changes made to the cookie while the context starts count. */
    private volatile @Nullable CookieSerializer cookies;
    private int order = DEFAULT_ORDER;

    /**
     * @param cookie the sid cookie's attributes, read once, here; with a max-age the cookie is written
     *     again on every request that uses the sid (the lifetime slides), otherwise only when a sid is new
     * @param settings the engine's settings, asked for on first use: their secrets tag sids for the
     *     cookie ({@link SessionCookieValues}) and their operation timeout bounds rotate and end
     * @param adapter the engine, asked for on first use: for {@link BrowserSession#rotate()} and
     *     {@link BrowserSession#end()}
     */
    public SidFilter(SidCookie cookie, Supplier<StashSettings> settings, Supplier<StashAdapter> adapter) {
        this.settings = new BrowserSessionSettings<>(cookie, PrincipalResolver.USER_PRINCIPAL, settings, adapter);
        this.cookie = cookie;
    }

    private CookieSerializer cookies() {
        CookieSerializer made = cookies;
        if (made == null) {
            made = SidCookieSerializer.of(cookie);
            cookies = made; // racing requests make equal serializers
        }
        return made;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        BrowserSession session = BrowserSession.find(request);
        if (session == null) {
            session = new BrowserSession(settings, cookies(), request, response);
            request.setAttribute(BrowserSession.ATTRIBUTE, session);
        }
        BrowserSession outer = BrowserSession.makeCurrent(session);
        try {
            chain.doFilter(request, response);
        } finally {
            try {
                RequestViews.dispatchEnded(request);
            } finally {
                BrowserSession.makeCurrent(outer);
            }
        }
    }

    /** Runs for asynchronous dispatches too, so that their end hands the request's view turns on. */
    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false;
    }

    /** Runs for error dispatches too, so that their end hands the request's view turns on. */
    @Override
    protected boolean shouldNotFilterErrorDispatch() {
        return false;
    }

    /**
     * @param principals tells which principal a request acts for, to bind its browser session to it;
     *     {@link PrincipalResolver#USER_PRINCIPAL} unless set
     */
    public void setPrincipalResolver(PrincipalResolver principals) {
        settings.principals(principals);
    }

    @Override
    public int getOrder() {
        return order;
    }

    /** @param order the filter's order among the servlet filters */
    public void setOrder(int order) {
        this.order = order;
    }
}
