package dev.durablestash.spring.web.servlet;

import java.util.Objects;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.session.web.http.CookieSerializer;

import dev.durablestash.core.SessionIds;

/**
 * The browser session of one request: its {@code sid}, read from the cookie or issued on first
 * use. Put on the request by {@link SidFilter}.
 *
 * <p>The cookie is issued <b>lazily</b>: only when something asks for the {@link #sid()} (the
 * starter does when a view, a class with {@code @Stashed} fields, is mounted). Requests for static
 * assets, health checks and other pages never get a cookie. Within one request the sid is stable.
 * A missing, garbage, oversized or forged cookie value is not an error: it gets a new sid.
 *
 * <p><b>Thread-safety:</b> not thread-safe; bound to one request.
 */
public final class BrowserSession {

    /** The request attribute this object is kept under. */
    public static final String ATTRIBUTE = BrowserSession.class.getName();

    private static final Logger log = LoggerFactory.getLogger(BrowserSession.class);

    private final CookieSerializer cookies;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final boolean refreshCookie;
    private @Nullable String sid;
    private boolean isNew;
    private boolean cookieWritten;

    BrowserSession(CookieSerializer cookies, HttpServletRequest request, HttpServletResponse response,
            boolean refreshCookie) {
        this.cookies = cookies;
        this.request = request;
        this.response = response;
        this.refreshCookie = refreshCookie;
    }

    /**
     * @param request a request
     * @return its browser session, or {@code null} when {@link SidFilter} did not run for it
     */
    public static @Nullable BrowserSession find(HttpServletRequest request) {
        return request.getAttribute(ATTRIBUTE) instanceof BrowserSession session ? session : null;
    }

    /**
     * @param request a request that went through {@link SidFilter}
     * @return its browser session
     * @throws IllegalStateException when the filter did not run for the request
     */
    public static BrowserSession of(HttpServletRequest request) {
        BrowserSession session = find(request);
        if (session == null) {
            throw new IllegalStateException("no DurableStash browser session on this request: the "
                    + SidFilter.class.getSimpleName() + " did not run for " + request.getRequestURI());
        }
        return session;
    }

    /**
     * Returns the browser session id. On first call, takes it from the cookie when the cookie holds a
     * well-formed id, and otherwise makes a new one and sets the cookie on the response.
     *
     * @return the sid, the same for the whole request
     */
    public String sid() {
        String current = sid;
        if (current != null) {
            return current;
        }
        current = cookieSid();
        if (current == null) {
            current = SessionIds.newSid();
            isNew = true;
        }
        sid = current;
        if (isNew || refreshCookie) {
            writeCookie(current);
        }
        return current;
    }

    /** @return {@code true} if this request issued a new sid (no valid cookie came with it) */
    public boolean isNew() {
        sid();
        return isNew;
    }

    private @Nullable String cookieSid() {
        for (String value : cookies.readCookieValues(request)) {
            if (SessionIds.isWellFormed(value)) {
                return value;
            }
        }
        return null;
    }

    private void writeCookie(String value) {
        if (cookieWritten) {
            return;
        }
        cookieWritten = true;
        if (response.isCommitted()) {
            log.warn("Cannot set the DurableStash sid cookie: the response to {} is already committed",
                    request.getRequestURI());
            return;
        }
        cookies.writeCookieValue(new CookieSerializer.CookieValue(request, response, Objects.requireNonNull(value)));
    }

    @Override
    public String toString() {
        return "BrowserSession[" + (sid == null ? "unresolved" : isNew ? "new" : "from cookie") + "]";
    }
}
