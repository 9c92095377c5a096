package dev.durablestash.spring.web.servlet;

import java.time.Duration;
import java.util.Objects;
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
import dev.durablestash.spring.web.BoundViews;
import dev.durablestash.spring.web.BrowserSessionSettings;

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

    /** The session of the request whose filter chain this thread runs ({@link SidFilter}). */
    private static final ThreadLocal<BrowserSession> CURRENT = new ThreadLocal<>();

    private final BrowserSessionSettings<PrincipalResolver> settings;
    private final CookieSerializer cookies;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private @Nullable String sid;
    /** The principal {@link #sid} is bound to ({@code null}: anonymous); meaningful once {@code sid} is set. */
    private @Nullable String owner;
    private boolean isNew;
    private boolean cookieWritten;
    /** The cookie that came with the request no longer counts (rotated, ended or abandoned). */
    private boolean cookieReplaced;
    /** The sid this request made for a new, empty session, or {@code null} ({@link #unissued}). */
    private @Nullable String madeEmpty;

    BrowserSession(BrowserSessionSettings<PrincipalResolver> settings, CookieSerializer cookies, HttpServletRequest request,
            HttpServletResponse response) {
        this.settings = settings;
        this.cookies = cookies;
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
     * The browser session of the request the calling thread serves, for code that has no request at
     * hand, such as a listener of Spring Security's login events (its filters publish them on the
     * request's thread). {@link SidFilter} sets it for as long as the rest of the filter chain runs on
     * the thread, in every dispatch of the request (the first one, asynchronous and error ones), and
     * clears it when the chain returns or throws. Prefer {@link #of} where the request is at hand.
     *
     * @return the session, or {@code null} on any other thread (an asynchronous handler's, the
     *     engine's), outside the filter chain, and for a request the filter did not run for
     */
    public static @Nullable BrowserSession current() {
        return CURRENT.get();
    }

    /**
     * Makes {@code session} the calling thread's {@link #current()} one.
     *
     * @return the one it replaces, to hand back here when the dispatch ends
     */
    static @Nullable BrowserSession makeCurrent(@Nullable BrowserSession session) {
        BrowserSession before = CURRENT.get();
        if (session == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(session);
        }
        return before;
    }

    /**
     * Returns the browser session id. On first call, takes it from the cookie when the cookie holds a
     * sid this server issued, and otherwise makes a new one and sets the cookie on the response; a HEAD
     * request's new sid gets no cookie (the request renders no page, and stores nothing under it).
     *
     * @return the sid, the same for the whole request until {@link #rotate()} or {@link #end()}
     */
    public String sid() {
        String current = sid;
        if (current != null) {
            return current;
        }
        String principal = principal();
        SessionCookieValues.Decoded fromCookie = cookieSid(principal);
        SessionCookieValues.Claim claim = fromCookie == null ? SessionCookieValues.Claim.REPLACE
                : fromCookie.claimBy(principal);
        if (fromCookie != null && claim == SessionCookieValues.Claim.ADOPT) {
            sid = fromCookie.sid();
            owner = principal;
            if (fromCookie.retag() || settings.refreshCookie()) {
                writeCookie(fromCookie.sid());
            }
        } else if (RequestViews.isHead(request)) {
            // A HEAD request renders no page and issues no sid: its views start from defaults under a sid no
            // cookie names, and it stashes nothing (RequestViews). Nor does it move an anonymous session.
            sid = SessionIds.newSid();
            owner = principal;
            isNew = true;
            madeEmpty = sid;
        } else if (fromCookie != null && claim == SessionCookieValues.Claim.ROTATE) {
            // An anonymous session used by an authenticated request: a login no event announced.
            // Should the move fail, the request fails (503): the state stays under the old sid, the
            // cookie is unchanged, and the browser's next request tries again.
            moveTo(fromCookie.sid(), null);
        } else {
            if (fromCookie != null) {
                log.info("The sid cookie that came with a request to {} belongs to {}: a new, empty browser session "
                        + "(the state stays with its owner)", request.getRequestURI(),
                        principal == null ? "a principal while the request is anonymous" : "another principal");
            }
            cookieWritten = false; // after end() cleared the cookie in this request, the new sid's comes last
            adopt(SessionIds.newSid(), true);
        }
        return Objects.requireNonNull(sid);
    }

    /** @return {@code true} if this request issued a new sid (no valid cookie came with it, or it was rotated) */
    public boolean isNew() {
        sid();
        return isNew;
    }

    /**
     * Makes the browser session follow the principal the request acts for now, after a login, a
     * logout or an account switch: a session bound to that principal is kept; an anonymous one is
     * rotated to a sid bound to the principal (its state, and the changes of the views this request
     * has bound, move along); one bound to another principal is replaced by a new, empty session
     * bound to the principal: its state stays with its owner, and of the views this request has bound
     * only what changes from then on is stashed, into the new session. A request that is anonymous now
     * keeps a session it resolved earlier in the request (a thread without the security context, or
     * a logout that did not {@link #end()} it: the changes are the owner's own), and has a cookie bound
     * to a principal replaced.
     *
     * <p>The starter calls it at every interactive Spring Security login (form login, remember-me,
     * OAuth2 login; should it throw there, the browser gets a new, empty session) and before the views
     * of a request's own dispatch are stashed (not on an asynchronous dispatch, whose security context
     * may come from a login in another tab); logins that publish no event (HTTP Basic, bearer tokens)
     * are followed when the request first resolves its sid. Call it yourself right after a
     * programmatic login in a request that stores nothing.
     *
     * @throws StashWriteException when an anonymous session's state could not be moved (it stays under
     *     the old sid, and the cookie is unchanged); a {@link StashTimeoutException} after the operation
     *     timeout
     */
    public void followPrincipal() {
        String principal = principal();
        String current = sid;
        if (current != null) {
            if (Objects.equals(owner, principal) || principal == null) {
                // No principal any more, mid-request: a thread without the security context far more
                // likely than a logout (which ends the session). The owner's own changes stay hers.
                return;
            }
            if (owner == null) {
                moveTo(current, RequestViews.find(request));
            } else {
                log.info("The principal of a request to {} changed from the one its browser session belongs to: a new, "
                        + "empty browser session", request.getRequestURI());
                String fresh = SessionIds.newSid();
                adopt(fresh, true);
                RequestViews views = RequestViews.find(request);
                if (views != null) {
                    views.moveTo(fresh); // only what changes from now on reaches the new principal's session
                }
            }
            return;
        }
        SessionCookieValues.Decoded fromCookie = cookieSid(principal);
        if (fromCookie == null) {
            return; // no session yet: the one issued later is bound to the principal
        }
        switch (fromCookie.claimBy(principal)) {
            case ADOPT -> { } // already the principal's (or both anonymous): adopted when first used
            case ROTATE -> moveTo(fromCookie.sid(), null);
            case REPLACE -> abandon();
        }
    }

    /**
     * Rotates the session id: the browser session's stored state moves to a new sid, the old sid's
     * state is removed, and the response sets the new cookie. Call it when the user's privileges
     * change, so that a sid someone else may know (planted or observed before) stops giving access to
     * the state. The views this request has bound are stashed first, so their changes so far move
     * too, and stash to the new sid afterwards. Does nothing when the request carries no session
     * (nothing is stored for it; a sid issued later is new anyway).
     *
     * <p>Requests of the old sid still in flight (sent before the browser received the new cookie)
     * that reach the engine after the rotation find the old session empty, and what they stash goes
     * to the old sid, which no browser uses any more (it expires): the state is never forwarded from
     * the old sid, since that would hand it to whoever else holds it. This holds across instances.
     *
     * <p>The new sid is bound to the principal the {@link PrincipalResolver} reports now. A session
     * bound to another principal is not carried over: the browser gets a new, empty session (as
     * {@link #followPrincipal()} gives it).
     *
     * @throws StashWriteException when the state could not be moved (it then stays under the old
     *     sid, and the cookie is unchanged); a {@link StashTimeoutException} after the operation timeout
     */
    public void rotate() {
        boolean replacedBefore = cookieReplaced;
        followPrincipal();
        if (cookieReplaced && !replacedBefore) {
            return; // followPrincipal() rotated or replaced the session: the browser has a new sid already
        }
        String old = sid;
        if (old == null) {
            SessionCookieValues.Decoded fromCookie = cookieSid(principal());
            if (fromCookie == null) {
                return;
            }
            old = fromCookie.sid(); // the principal's own, or an anonymous one: followPrincipal() let it stay
        }
        RequestViews views = RequestViews.find(request);
        if (views != null) {
            views.stashAll();
        }
        String fresh = SessionIds.newSid();
        await(settings.adapter().rotate(old, fresh), "rotate");
        adopt(fresh, false);
        if (views != null) {
            views.moveTo(fresh);
        }
    }

    /**
     * Moves the state of {@code old} (an anonymous session) to a new sid bound to the current
     * principal, the bound views along.
     *
     * @throws StashWriteException when the state could not be moved: it stays under {@code old}, and
     *     the cookie is unchanged
     */
    private void moveTo(String old, @Nullable RequestViews views) {
        String fresh = SessionIds.newSid();
        await(settings.adapter().rotate(old, fresh), "rotate");
        adopt(fresh, false);
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
     * <p>A session bound to another principal than the one the request is authenticated as (a cookie
     * copied from another user's browser) is not removed: the cookie is cleared, and that state stays
     * with its owner. An anonymous request ends the session its cookie names, also one bound to a
     * principal: it may be that principal's own browser, whose login is not known yet (a user kept
     * logged in by remember-me whose HTTP session expired logs out before remember-me logs her in).
     *
     * @throws StashWriteException when the state could not be removed; the cookie is cleared anyway,
     *     so no browser reaches that state again, and it expires with the TTL
     */
    public void end() {
        String old = sid;
        if (old == null) {
            String principal = principal();
            SessionCookieValues.Decoded fromCookie = cookieSid(principal);
            old = fromCookie == null || fromCookie.boundToAnotherThan(principal) ? null : fromCookie.sid();
        }
        RequestViews views = RequestViews.find(request);
        if (views != null) {
            views.detach();
        }
        sid = null;
        isNew = false;
        madeEmpty = null;
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
        adopt(SessionIds.newSid(), true);
    }

    /** @param empty {@code fresh} is a new, empty session's sid (else the state was moved there) */
    private void adopt(String fresh, boolean empty) {
        sid = fresh;
        owner = principal();
        isNew = true;
        madeEmpty = empty ? fresh : null;
        cookieReplaced = true;
        cookieWritten = false;
        writeCookie(fresh);
    }

    /**
     * @param candidate a sid
     * @return whether this request made {@code candidate} for a new, empty session (no valid cookie came with
     *     it, a HEAD request, a session replaced or abandoned; not a sid the state was moved to) and the
     *     response, which carries its cookie, is not committed yet: no one else can know it, so nothing can
     *     be stored under it but what this request wrote there
     */
    boolean unissued(String candidate) {
        return candidate.equals(madeEmpty) && !response.isCommitted();
    }

    private @Nullable String principal() {
        return settings.principals().principalName(request);
    }

    /**
     * @param principal the principal the request acts for, or {@code null}
     * @return the session of the request's sid cookies ({@link SessionCookieValues#decodeOne}), or
     *     {@code null}: none, several that cannot be told apart, or the cookie was replaced in this request
     */
    private SessionCookieValues.@Nullable Decoded cookieSid(@Nullable String principal) {
        return cookieReplaced ? null : settings.values().decodeOne(cookies.readCookieValues(request), principal);
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
        cookies.writeCookieValue(new CookieSerializer.CookieValue(request, response, cookieValue));
    }

    /** Waits at most the operation timeout plus {@link BoundViews#WAIT_MARGIN}. */
    private void await(CompletionStage<Void> stage, String operation) {
        Duration timeout = settings.operationTimeout();
        try {
            stage.toCompletableFuture().get(timeout.plus(BoundViews.WAIT_MARGIN).toNanos(), TimeUnit.NANOSECONDS);
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
