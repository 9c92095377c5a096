package dev.durablestash.spring.web.servlet;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.session.web.http.CookieSerializer;

import dev.durablestash.core.SessionCookieValues;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashTimeoutException;
import dev.durablestash.core.StashWriteException;
import dev.durablestash.spring.ViewBinding;

/**
 * The browser session of one request: its {@code sid}, read from the cookie or issued on first
 * use. Put on the request by {@link SidFilter}.
 *
 * <p>The cookie is issued <b>lazily</b>: only when something asks for the {@link #sid()} (the
 * starter does when a view, a class with {@code @Stashed} fields, is mounted). Requests for static
 * assets, health checks and other pages never get a cookie. Within one request the sid is stable
 * until {@link #rotate()} or {@link #end()} changes it.
 *
 * <p><b>No session fixation.</b> The cookie carries the sid and a tag under the secret
 * ({@link SessionCookieValues}); a sid the server did not issue (an untagged, forged, garbage or
 * foreign value, e.g. one an attacker planted from a sibling subdomain) is never adopted: it gets a
 * new, empty session. So does a request with two different valid sid cookies (cookie tossing from
 * a sibling subdomain): the server cannot tell which one it set. {@link #rotate()} (at login)
 * gives the browser a new sid that carries the state along; {@link #end()} (at logout) removes the
 * state and clears the cookie. With Spring Security the starter calls both by itself.
 *
 * <p><b>Bound to its principal.</b> The cookie also names, by a keyed hash, the principal the session
 * belongs to ({@link PrincipalResolver}; anonymous until a login). When a request acting for a principal
 * first resolves its sid, {@link SessionCookieValues.Decoded#claimBy} decides: a session of the same
 * principal is used; an anonymous one is rotated to a sid bound to the principal first (so every login
 * rotates, also HTTP Basic, bearer tokens and programmatic logins, which publish no login event); a
 * session bound to another principal, or to a principal while the request is anonymous, is left alone
 * and the request gets a new, empty one. So a sid planted before a login never reaches the
 * authenticated state, and the next user of a shared browser never gets the previous user's state,
 * even when that user's HTTP session expired without a logout or a request still in flight put the
 * old cookie back.
 *
 * <p><b>Thread-safety:</b> not thread-safe; bound to one request.
 */
public final class BrowserSession {

    /** The request attribute this object is kept under. */
    public static final String ATTRIBUTE = BrowserSession.class.getName();

    private static final Logger log = LoggerFactory.getLogger(BrowserSession.class);

    private final SidFilter.Settings settings;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private @Nullable String sid;
    private boolean isNew;
    private boolean cookieWritten;
    /** The cookie that came with the request no longer counts (rotated, ended or abandoned). */
    private boolean cookieReplaced;

    BrowserSession(SidFilter.Settings settings, HttpServletRequest request, HttpServletResponse response) {
        this.settings = settings;
        this.request = request;
        this.response = response;
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
     * sid this server issued, and otherwise makes a new one and sets the cookie on the response.
     *
     * @return the sid, the same for the whole request until {@link #rotate()} or {@link #end()}
     */
    public String sid() {
        String current = sid;
        if (current != null) {
            return current;
        }
        SessionCookieValues.Decoded fromCookie = cookieSid();
        String principal = principal();
        SessionCookieValues.Claim claim = fromCookie == null ? null : fromCookie.claimBy(principal);
        if (fromCookie != null && claim == SessionCookieValues.Claim.ADOPT) {
            current = fromCookie.sid();
            if (fromCookie.retag() || settings.refreshCookie()) {
                writeCookie(current);
            }
        } else if (fromCookie != null && claim == SessionCookieValues.Claim.ROTATE) {
            // An anonymous session used by an authenticated request: a login no event announced.
            current = SessionIds.newSid();
            await(settings.adapter().rotate(fromCookie.sid(), current), "rotate");
            adopt(current);
        } else {
            if (fromCookie != null) {
                log.debug("The sid cookie that came with a request to {} belongs to another principal: "
                        + "a new, empty browser session", request.getRequestURI());
            }
            current = SessionIds.newSid();
            isNew = true;
            cookieWritten = false; // after end() cleared the cookie in this request, the new sid's comes last
            writeCookie(current);
        }
        sid = current;
        return current;
    }

    /** @return {@code true} if this request issued a new sid (no valid cookie came with it, or it was rotated) */
    public boolean isNew() {
        sid();
        return isNew;
    }

    /**
     * Rotates the session id: the browser session's stored state moves to a new sid, the old sid's
     * state is removed, and the response sets the new cookie. Call it when the user's privileges
     * change (login), so that a sid someone else may know (planted or observed before) stops giving
     * access to the state. The views this request has bound are stashed first, so their changes so
     * far move too, and stash to the new sid afterwards. Does nothing when the request carries no
     * session (nothing is stored for it; a sid issued later is new anyway).
     *
     * <p>Requests of the old sid still in flight (sent before the browser received the new cookie)
     * that reach the engine after the rotation find the old session empty, and what they stash goes
     * to the old sid, which no browser uses any more (it expires): the state is never forwarded from
     * the old sid, since that would hand it to whoever else holds it. This holds across instances.
     *
     * <p>The new sid is bound to the principal the {@link PrincipalResolver} reports now (at a login:
     * the one who logged in). A session bound to another principal is not carried over: the browser
     * gets a new, empty session.
     *
     * @throws StashWriteException when the state could not be moved (it then stays under the old
     *     sid, and the cookie is unchanged); a {@link StashTimeoutException} after the operation timeout
     */
    public void rotate() {
        String old = existingSid(true);
        if (old == null) {
            if (cookieSid() != null) {
                abandon(); // another principal's session: not carried over, and its cookie goes
            }
            return;
        }
        RequestViews views = RequestViews.find(request);
        if (views != null) {
            views.stashAll();
        }
        String fresh = SessionIds.newSid();
        await(settings.adapter().rotate(old, fresh), "rotate");
        adopt(fresh);
        if (views != null) {
            views.moveTo(fresh);
        }
    }

    /**
     * Ends the browser session: its stored state is removed (every view) and the response clears the
     * cookie. Call it at logout, so the next user of the same browser starts from defaults. The views
     * this request has bound are dropped (their changes are not stashed); anything that asks for a
     * {@link #sid()} later in this request gets a new, empty session.
     *
     * @throws StashWriteException when the state could not be removed; the cookie is cleared anyway,
     *     so no browser reaches that state again, and it expires with the TTL
     */
    public void end() {
        String old = existingSid(false);
        RequestViews views = RequestViews.find(request);
        if (views != null) {
            views.detach();
        }
        sid = null;
        isNew = false;
        cookieReplaced = true;
        cookieWritten = false;
        writeCookie("");
        if (old != null) {
            await(settings.adapter().end(old), "end");
        }
    }

    /**
     * Gives the browser a new, empty session without touching storage: the state of the old sid stays
     * there, unreachable, until it expires. The fallback when {@link #rotate()} failed and keeping the
     * old sid is not an option.
     */
    public void abandon() {
        RequestViews views = RequestViews.find(request);
        if (views != null) {
            views.detach();
        }
        adopt(SessionIds.newSid());
    }

    private void adopt(String fresh) {
        sid = fresh;
        isNew = true;
        cookieReplaced = true;
        cookieWritten = false;
        writeCookie(fresh);
    }

    /**
     * @param ownedOnly {@code true} for a sid whose state the current principal may take along (its own,
     *     or an anonymous one); {@code false} for any sid the browser holds
     * @return the sid this request already has (resolved, or in a valid cookie), without issuing one
     */
    private @Nullable String existingSid(boolean ownedOnly) {
        if (sid != null) {
            return sid;
        }
        SessionCookieValues.Decoded fromCookie = cookieSid();
        if (fromCookie == null || (ownedOnly && fromCookie.claimBy(principal()) == SessionCookieValues.Claim.REPLACE)) {
            return null;
        }
        return fromCookie.sid();
    }

    private @Nullable String principal() {
        return settings.principals().principalName(request);
    }

    /**
     * @return the one sid the request's cookies carry with a valid tag, or {@code null}: none, or
     *     several different ones. A second valid sid cookie is cookie tossing (a sibling subdomain sets
     *     one for the parent domain, which this server can neither overwrite nor clear): the server
     *     cannot tell which one it set itself, so it adopts neither.
     */
    private SessionCookieValues.@Nullable Decoded cookieSid() {
        if (cookieReplaced) {
            return null;
        }
        SessionCookieValues.Decoded found = null;
        for (String value : settings.cookies().readCookieValues(request)) {
            SessionCookieValues.Decoded decoded = settings.values().decode(value);
            if (decoded == null) {
                continue;
            }
            if (found != null && !found.sid().equals(decoded.sid())) {
                log.debug("Two different sid cookies came with a request to {}: adopting neither",
                        request.getRequestURI());
                return null;
            }
            if (found == null || !decoded.retag()) {
                found = decoded;
            }
        }
        return found;
    }

    /** Writes the cookie for {@code value} (a sid), or clears it for {@code ""}. */
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
        String cookieValue = value.isEmpty() ? "" : settings.values().encode(value, principal());
        settings.cookies().writeCookieValue(new CookieSerializer.CookieValue(request, response, cookieValue));
    }

    /** Waits at most the operation timeout plus {@link ViewBinding#WAIT_MARGIN}. */
    private void await(CompletionStage<Void> stage, String operation) {
        Duration timeout = settings.operationTimeout();
        try {
            stage.toCompletableFuture().get(timeout.plus(ViewBinding.WAIT_MARGIN).toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new StashWriteException("(session)", operation + " of the browser session failed", e.getCause());
        } catch (TimeoutException e) {
            throw new StashTimeoutException("(session)", operation, timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StashWriteException("(session)", operation + " of the browser session was interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "BrowserSession[" + (sid == null ? "unresolved" : isNew ? "new" : "from cookie") + "]";
    }
}
