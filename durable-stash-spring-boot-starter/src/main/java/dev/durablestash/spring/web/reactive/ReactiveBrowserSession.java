package dev.durablestash.spring.web.reactive;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.core.SessionCookieValues;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashTimeoutException;
import dev.durablestash.core.StashWriteException;
import dev.durablestash.spring.web.BoundViews;
import dev.durablestash.spring.web.BrowserSessionSettings;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

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
 * <p><b>Bound to its principal.</b> As on the servlet side, the cookie names, by a keyed hash, the
 * principal the session belongs to ({@link ReactivePrincipalResolver}; anonymous until a login). When an
 * exchange acting for a principal first resolves its sid, a session of the same principal is used; an
 * anonymous one is rotated to a sid bound to the principal first (every login rotates, also HTTP Basic
 * and bearer tokens); a session bound to another principal, or to a principal while the exchange is
 * anonymous, is left alone and the exchange gets a new, empty one. The principal is resolved inside the
 * exchange's processing (where Spring Security's Reactor context is visible), when the sid is first
 * asked for, at a login ({@link #followPrincipal()}) and before the exchange's views are stashed.
 *
 * <p>Nothing blocks: the methods that wait for the engine return a {@link Mono} to subscribe to (at
 * most once each), which completes on an engine thread.
 *
 * <p><b>Thread-safety:</b> bound to one exchange. Its operations may run at the same time (say, a
 * {@code Mono.when} of a view's reset and {@link #end()} after a login): one move of the state runs at a
 * time; {@link #followPrincipal()}, {@link #rotate()}, {@link #end()}, {@link #abandon()} and {@link #sid()}
 * wait for a move under way, and decide again once it ended should the session have changed since they
 * decided. The state moves once, and an end or an abandon is not undone. The sid, the cookie and the bound
 * views change together, under one lock. While the state moves, the writes of the exchange's views wait for
 * it; should a login's move fail, those of the views still on the anonymous sid fail from then on (the session
 * stays on it), and the views of the session an end or an abandon gives next write as usual.
 */
public final class ReactiveBrowserSession {

    /** The exchange attribute this object is kept under. */
    public static final String ATTRIBUTE = ReactiveBrowserSession.class.getName();

    private static final Logger log = LoggerFactory.getLogger(ReactiveBrowserSession.class);

    private final BrowserSessionSettings<ReactivePrincipalResolver> settings;
    private final ServerWebExchange exchange;
    private volatile @Nullable String sid;
    /** The principal {@link #sid} is bound to ({@code null}: anonymous); meaningful once {@code sid} is set. */
    private volatile @Nullable String owner;
    private volatile boolean isNew;
    /** The cookie that came with the request no longer counts (rotated, ended or abandoned). */
    private volatile boolean cookieReplaced;
    /** The sid this exchange made for a new, empty session, or {@code null} ({@link #unissued}). */
    private volatile @Nullable String madeEmpty;
    /**
     * How often the session changed in this exchange (a sid adopted, the session ended): a move of the state
     * decided at one generation starts only while it is still the current one (see {@link #move}).
     */
    private int generation; // guarded by this
    /**
     * Completed once the move of the state in flight ended, however it ended: two writes of one exchange
     * that follow a login at once (a reset and the commit's stash) move the state once, and an {@link #end()}
     * waits for a move rather than be undone by it.
     */
    private CompletableFuture<Void> moved = CompletableFuture.completedFuture(null); // guarded by this
    /**
     * The exchange's views write once this completed, the last move's ({@link #move}): failed after a login's
     * failed move, when the views still on {@link #writesHeldFrom} must not write (see {@code WriteGate}); held by
     * the views registered after the move started, too ({@link #registerViews}).
     */
    private CompletableFuture<Void> writesHeld = CompletableFuture.completedFuture(null); // guarded by this
    /** The sid the last move was to leave. */
    private @Nullable String writesHeldFrom; // guarded by this
    /** How many times an operation found a move in flight and waited for it before it went on (for tests). */
    private int waitsForMove; // guarded by this
    /** The response's commit waits for a move of the state: its cookie may still be set. */
    private volatile boolean commitWaitsForMove;
    /**
     * The exchange's views, once registered ({@link #registerViews}). Kept here, not only as an attribute of the
     * exchange they were first bound in: a filter that rebuilds the request ({@code ServerRequest.from(..)}) gives
     * the handler an exchange with a copy of the attributes, and the views must be found from every copy (the end
     * of the exchange, its error handling, a move of the state), as this session is.
     */
    private volatile @Nullable ExchangeViews registeredViews; // written holding this object's lock

    ReactiveBrowserSession(BrowserSessionSettings<ReactivePrincipalResolver> settings, ServerWebExchange exchange) {
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
     * <p>While the state moves to a new sid (a login followed, a rotation), the sid is given once the move
     * ended: a view bound meanwhile is recovered from, and stashes to, the sid the state is under then.
     *
     * @return a {@code Mono} of the sid, the same for the whole exchange until {@link #rotate()},
     *     {@link #followPrincipal()}, {@link #abandon()} or {@link #end()}
     */
    public Mono<String> sid() {
        return afterMove(() -> {
            String current = sid;
            return current != null ? Mono.just(current) : decide();
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
     * <b>Which sid this exchange gets</b>, decided in this one place, by the rules of the servlet
     * {@code BrowserSession.sid()}: the cookie's session ({@link #cookieSid}) when its
     * {@linkplain SessionCookieValues.Decoded#claimBy claim} by the exchange's principal is ADOPT; an
     * anonymous session used by an authenticated exchange (a login no handler announced) is rotated to a
     * new sid bound to the principal (should that fail, the exchange fails and the cookie stays); otherwise a
     * new, empty session. A HEAD request (it renders no page, and stores nothing) adopts the cookie's session
     * alike, but moves none and gets no cookie for a new one. Subscribed inside the exchange's processing, so
     * the principal resolver sees the security context.
     */
    private Mono<String> decide() {
        return principal().flatMap(found -> {
            int decidedAt = generation();
            String current = sid;
            if (current != null) {
                return Mono.just(current); // decided meanwhile by another subscriber of this exchange
            }
            String principal = found.orElse(null);
            SessionCookieValues.Decoded fromCookie = cookieSid(principal);
            SessionCookieValues.Claim claim = fromCookie == null ? SessionCookieValues.Claim.REPLACE
                    : fromCookie.claimBy(principal);
            if (fromCookie != null && claim == SessionCookieValues.Claim.ADOPT) {
                synchronized (this) {
                    if (!unchangedSince(decidedAt)) {
                        return sid(); // ended, moved or decided since: decide again (an end is not undone)
                    }
                    generation++; // a decision taken before (a login's move, with no views to move) is taken again
                    sid = fromCookie.sid();
                    owner = principal;
                    isNew = false;
                    if (fromCookie.retag() || settings.refreshCookie()) {
                        writeCookie(fromCookie.sid(), principal); // under the lock: an end() after it clears it
                    }
                }
                return Mono.just(fromCookie.sid());
            }
            if (ExchangeViews.isHead(exchange)) {
                // A HEAD request renders no page and issues no sid: its views start from defaults under a sid no
                // cookie names, and it stashes nothing (ExchangeViews). Nor does it move an anonymous session.
                synchronized (this) {
                    if (!unchangedSince(decidedAt)) {
                        return sid();
                    }
                    String unissued = SessionIds.newSid();
                    nextGeneration();
                    sid = unissued;
                    owner = principal;
                    isNew = true;
                    madeEmpty = unissued;
                    cookieReplaced = true;
                    return Mono.just(unissued);
                }
            }
            if (fromCookie != null && claim == SessionCookieValues.Claim.ROTATE) {
                // Should the move fail, so does the exchange (503): the state stays under the old sid, the
                // cookie is unchanged, and the browser's next request tries again.
                // Should the session change meanwhile (a subscriber without the principal adopted the cookie's sid,
                // say), it follows the principal from there.
                return move(fromCookie.sid(), principal, true, decidedAt, this::followPrincipal)
                        .then(Mono.defer(this::sid)); // the moved sid, or a new session's should an end have followed
            }
            if (fromCookie != null) {
                log.info("The sid cookie that came with a request to {} belongs to {}: a new, empty browser session "
                        + "(the state stays with its owner)", exchange.getRequest().getPath(),
                        principal == null ? "a principal while the request is anonymous" : "another principal");
            }
            String fresh = SessionIds.newSid();
            synchronized (this) {
                if (!unchangedSince(decidedAt)) {
                    return sid();
                }
                adopt(fresh, principal, true);
            }
            return Mono.just(fresh);
        });
    }

    /**
     * Called holding this object's lock.
     *
     * @return whether no sid was resolved and {@link #stillAsDecided} holds
     */
    private boolean unchangedSince(int decidedAt) {
        return sid == null && stillAsDecided(decidedAt);
    }

    /**
     * Called holding this object's lock.
     *
     * @return whether no move is under way and the session did not change since {@code decidedAt}: a decision
     *     taken then may still be applied (otherwise a move landing later, or the change, would undo it)
     */
    private boolean stillAsDecided(int decidedAt) {
        return moved.isDone() && generation == decidedAt;
    }

    /** @return the sid now, without waiting for a move in flight, or {@code null} when none is resolved */
    @Nullable String sidNow() {
        return sid;
    }

    /**
     * Makes the browser session follow the principal the exchange acts for now, after a login, a logout
     * or an account switch, as the servlet {@code BrowserSession.followPrincipal()} does: a session bound
     * to that principal is kept; an anonymous one is rotated to a sid bound to the principal (its state,
     * and the changes of the views this exchange has bound, move along); one bound to another principal
     * is replaced by a new, empty session bound to the principal, into which only what the exchange's
     * views change from then on is stashed. An exchange
     * that is anonymous now keeps a session it resolved earlier (a step without the security context,
     * or a logout that did not {@link #end()} it), and has a cookie bound to a principal replaced. The
     * starter calls it at every login through {@link RotateSidOnLoginSuccess} and before every stash of
     * the exchange's views; call it yourself right after a programmatic login when the exchange stores
     * nothing.
     *
     * @return a {@code Mono} that completes once the session follows the principal, or fails with a
     *     {@link StashWriteException} when an anonymous session's state could not be moved (it stays
     *     under the old sid, the cookie unchanged; the login hook then gives the browser a new, empty
     *     session)
     */
    public Mono<Void> followPrincipal() {
        return afterMove(() -> principal().flatMap(found -> {
            int decidedAt = generation();
            String principal = found.orElse(null);
            String current = sid;
            if (current != null) {
                if (Objects.equals(owner, principal) || principal == null) {
                    return Mono.<Void>empty();
                }
                if (owner == null) {
                    return move(current, principal, true, decidedAt, this::followPrincipal);
                }
                String fresh = SessionIds.newSid();
                synchronized (this) {
                    if (!stillAsDecided(decidedAt)) {
                        // A move started, or the session changed, since the decision (a move landing later would
                        // take the session back to its principal): decide again once it is over.
                        return followPrincipal();
                    }
                    adopt(fresh, principal, true);
                    // Only what changes from now on reaches the new principal's session. With the sid, under the
                    // lock: an end() just after drops the views from there.
                    moveViewsTo(fresh);
                }
                log.info("The principal of a request to {} changed from the one its browser session belongs to: a "
                        + "new, empty browser session", exchange.getRequest().getPath());
                return Mono.<Void>empty();
            }
            SessionCookieValues.Decoded fromCookie = cookieSid(principal);
            if (fromCookie == null) {
                return Mono.<Void>empty(); // no session yet: the one issued later is bound to the principal
            }
            return switch (fromCookie.claimBy(principal)) {
                case ADOPT -> Mono.<Void>empty(); // already the principal's: adopted when first used
                case ROTATE -> move(fromCookie.sid(), principal, true, decidedAt, this::followPrincipal);
                case REPLACE -> Mono.defer(() -> replace(principal, decidedAt) ? Mono.<Void>empty()
                        : followPrincipal()); // a sid resolved since: decide again
            };
        }));
    }

    /**
     * Rotates the session id, as the servlet {@code BrowserSession.rotate()} does: the session first
     * {@linkplain #followPrincipal() follows the principal} (which may rotate or replace it already);
     * otherwise the views this exchange has bound are stashed, the stored state moves to a new sid bound
     * to the current principal, the response sets the new cookie, and the bound views stash to the new
     * sid afterwards. Does nothing when the exchange carries no session.
     *
     * @return a {@code Mono} that completes once the state moved, or fails with a
     *     {@link StashWriteException} (the state then stays under the old sid, the cookie unchanged); a
     *     {@link StashTimeoutException} after the operation timeout
     */
    public Mono<Void> rotate() {
        return afterMove(() -> {
            boolean replacedBefore = cookieReplaced;
            return followPrincipal().then(principal()).flatMap(found -> {
                int decidedAt = generation();
                if (cookieReplaced && !replacedBefore) {
                    return Mono.<Void>empty(); // followPrincipal() rotated or replaced it: a new sid already
                }
                String principal = found.orElse(null);
                String old = sid;
                if (old == null) {
                    SessionCookieValues.Decoded fromCookie = cookieSid(principal);
                    if (fromCookie == null) {
                        return Mono.<Void>empty();
                    }
                    old = fromCookie.sid();
                }
                String from = old;
                ExchangeViews views = ExchangeViews.find(exchange);
                Mono<Void> stashed = views != null ? views.stashBound() : Mono.empty();
                // Should the session change meanwhile (ended beside the rotation), rotate() decides again: nothing
                // to rotate once it ended.
                return stashed.then(Mono.defer(() -> move(from, principal, false, decidedAt, this::rotate)));
            });
        });
    }

    /**
     * Moves the state of {@code old} (an anonymous session) to a new sid bound to {@code principal}, the
     * exchange's bound views along (those bound when it lands: a view bound meanwhile too).
     *
     * @param login whether the move follows a login: should it fail, the session stays on an anonymous sid
     *     someone else may know, so the writes of the exchange's views on it fail from then on (until they
     *     are dropped); after a failed {@link #rotate()} of the session's own sid they go on under it, unless
     *     a login's move failed before
     * @return a {@code Mono} that fails with a {@link StashWriteException} when the state could not be
     *     moved: it stays under {@code old}, and the cookie is unchanged
     */
    private Mono<Void> move(String old, @Nullable String principal, boolean login, int decidedAt,
            Supplier<Mono<Void>> decideAgain) {
        CompletableFuture<Void> moving = new CompletableFuture<>();
        CompletableFuture<Void> writesMayGo = new CompletableFuture<>();
        CompletableFuture<Void> busy = null;
        CompletableFuture<Void> failedBefore = null; // a login's failed move from the same sid
        synchronized (this) {
            if (stillAsDecided(decidedAt)) {
                moved = moving;
                if (writesHeld.isCompletedExceptionally() && old.equals(writesHeldFrom)) {
                    failedBefore = writesHeld;
                }
                writesHeld = writesMayGo; // views registered from now on hold their writes for it
                writesHeldFrom = old;
            } else {
                busy = moved;
            }
        }
        if (busy != null) { // another move is in flight, or the session changed since the decision: decide again after it
            return after(busy, decideAgain);
        }
        String fresh = SessionIds.newSid();
        if (!exchange.getResponse().isCommitted()) {
            // The response is not committed while the state moves, so its cookie names the new sid also when
            // the move's caller gave up (a browser left on the old, emptied, sid would lose the state). Unless the
            // response committed as this was added (its actions taken already): then the cookie is too late, below.
            CommitActions.addUnlessTaken(exchange.getResponse(), () -> Mono.defer(() -> {
                commitWaitsForMove = true;
                return Mono.fromFuture(moving, true).doFinally(signal -> commitWaitsForMove = false);
            }));
        }
        // Too late for the response's cookie to name a new sid: the state stays where the browser's cookie points
        // (as after a failed move), rather than move to a sid no cookie names, emptying the old one.
        boolean tooLate = !cookieCanBeSet();
        // A write of a bound view sent from now on (a stash the handler subscribed to on its own, say) waits for the
        // move and goes to the new sid, or fails with a login's move (it must not land under the old sid either); one
        // sent before is queued at the old sid ahead of the move, and moves along. Views registered after this look
        // are held by registerViews, which reads writesHeld under the lock taken above.
        ExchangeViews bound = ExchangeViews.find(exchange);
        if (bound != null) {
            bound.holdWritesUntil(writesMayGo, old);
        }
        // Sent now, not when the caller subscribes: the session takes the new sid when the state moved, whether
        // or not its caller still waits (a cancelled caller must not leave the state moved and the session on the
        // old sid, which a later follow would move again, emptied); only then may another move start.
        CompletableFuture<Void> landed;
        try {
            landed = tooLate ? CompletableFuture.failedFuture(new StashWriteException("(session)", "the response to "
                    + exchange.getRequest().getPath() + " was committed before the browser session's state could "
                    + "move to a new sid (its cookie could not name it): the state stays under the old sid", null))
                    : settings.adapter().rotate(old, fresh).toCompletableFuture().thenRun(() -> {
                synchronized (this) { // the sid and the views together: a drop of the views finds them both moved
                    adopt(fresh, principal, false);
                    moveViewsTo(fresh); // the exchange's views now: also a first one bound since the decision
                }
            });
        } catch (RuntimeException e) {
            landed = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> stillFailed = failedBefore;
        landed.whenComplete((ok, failure) -> {
            if (failure != null && login) {
                writesMayGo.completeExceptionally(failure);
            } else if (failure != null && stillFailed != null) {
                // A rotation of the sid a login failed to leave failed too: its views still must not write.
                stillFailed.whenComplete((ignored, error) -> writesMayGo.completeExceptionally(error));
            } else {
                writesMayGo.complete(null); // moved, or a rotation failed: the views are still on the session's sid
            }
            moving.complete(null);
        });
        CompletableFuture<Void> outcome = landed;
        return await(outcome::copy, "rotate");
    }

    /** Runs {@code next} once no move of the state is in flight. */
    private <T> Mono<T> afterMove(Supplier<Mono<T>> next) {
        return Mono.defer(() -> {
            CompletableFuture<Void> busy;
            synchronized (this) {
                busy = moved;
                if (!busy.isDone()) {
                    waitsForMove++;
                }
            }
            return after(busy, next);
        });
    }

    /** Runs {@code next} once {@code busy} (a move, which never fails) completed: at once if it has. */
    private static <T> Mono<T> after(CompletableFuture<Void> busy, Supplier<Mono<T>> next) {
        return busy.isDone() ? next.get() : Mono.fromFuture(busy, true).then(Mono.defer(next));
    }

    private synchronized int generation() {
        return generation;
    }

    private synchronized void nextGeneration() {
        generation++;
    }

    /** @return whether a move of the state is under way (for tests) */
    synchronized boolean isMoving() {
        return !moved.isDone();
    }

    /** @return how many times an operation waited for a move in flight before it went on (for tests) */
    synchronized int waitsForMove() {
        return waitsForMove;
    }

    /**
     * Ends the browser session, as the servlet {@code BrowserSession.end()} does: the views bound in this
     * exchange are dropped, the cookie is cleared at once, and the stored state is removed. Anything
     * that asks for a {@link #sid()} later in this exchange gets a new, empty session bound to the
     * principal it acts for then. A session bound to another principal than the one the exchange is
     * authenticated as is not removed (the cookie is cleared; that state stays with its owner); an
     * anonymous exchange ends the session its cookie names, as the servlet side says.
     *
     * @return a {@code Mono} that completes once the state is removed, or fails with a
     *     {@link StashWriteException} (the cookie is cleared anyway; the state expires with the TTL)
     */
    public Mono<Void> end() {
        return principal().flatMap(found -> afterMove(() -> {
            String old;
            synchronized (this) {
                if (!moved.isDone()) {
                    return end(); // a move started since the wait: once it ended (a move landing later would undo this)
                }
                generation++; // a move decided before this no longer starts
                old = sid;
                if (old == null) {
                    String principal = found.orElse(null);
                    SessionCookieValues.Decoded fromCookie = cookieSid(principal);
                    old = fromCookie == null || fromCookie.boundToAnotherThan(principal) ? null : fromCookie.sid();
                }
                // The sid first, then the views dropped: a view whose recover is under way is not bound once it left.
                sid = null;
                owner = null;
                isNew = false;
                madeEmpty = null;
                cookieReplaced = true;
                // Under the lock: the cookie of a sid resolved after this is set after it, and the views bound
                // under that sid are not dropped.
                writeCookie("", null);
                dropViews();
            }
            String ended = old;
            return ended == null ? Mono.empty() : await(() -> settings.adapter().end(ended), "end");
        }));
    }

    /**
     * Gives the browser a new, empty session, bound to the principal the exchange acts for, without
     * touching storage: the state of the old sid stays there, unreachable, until it expires. The views
     * bound in this exchange are dropped. The fallback when {@link #rotate()} failed and keeping the old
     * sid is not an option.
     *
     * @return a {@code Mono} that completes once the new session is set
     */
    public Mono<Void> abandon() {
        // After a move under way, which would otherwise take the session to its new sid once it landed.
        return afterMove(() -> principal().flatMap(found -> abandon(found.orElse(null)) ? Mono.<Void>empty()
                : abandon()));
    }

    /**
     * Gives the browser a new, empty session bound to {@code principal}, unless a move of the state is under
     * way (it would take the session to its new sid once it landed, undoing this).
     *
     * @return whether it did; if not, decide again once the move ended
     */
    private boolean abandon(@Nullable String principal) {
        return newSessionIf(() -> moved.isDone(), principal);
    }

    /**
     * {@link #followPrincipal()}'s new, empty session for a cookie bound to another principal, given unless a
     * move is under way, a sid was resolved or the session changed since {@code decidedAt} (it would replace a
     * session given since, and drop the views bound under it).
     *
     * @return whether it did; if not, decide again
     */
    private boolean replace(@Nullable String principal, int decidedAt) {
        return newSessionIf(() -> unchangedSince(decidedAt), principal);
    }

    /** @return whether {@code stillSo}, checked holding this object's lock, held, and a new session was given */
    private boolean newSessionIf(BooleanSupplier stillSo, @Nullable String principal) {
        synchronized (this) {
            if (!stillSo.getAsBoolean()) {
                return false;
            }
            adopt(SessionIds.newSid(), principal, true); // a move decided before this no longer starts; the sid first
            dropViews();
        }
        return true;
    }

    /**
     * The session ended or was replaced: drops the exchange's bound views. Called holding this object's lock,
     * with the session's change: a view bound under a sid resolved after it is not dropped. (The views' lock,
     * taken under this one, takes no other lock, and is never held while this one is taken.)
     */
    private void dropViews() {
        ExchangeViews views = ExchangeViews.find(exchange);
        if (views != null) {
            views.detach();
        }
    }

    /**
     * Registers the exchange's views, unless registered already: under this object's lock, so that a move
     * starting at the same time either finds them or has them hold their writes here, before anyone sees them.
     *
     * @param make makes the views, not registered yet
     * @return the exchange's views
     */
    synchronized ExchangeViews registerViews(Supplier<ExchangeViews> make) {
        ExchangeViews found = ExchangeViews.find(exchange);
        if (found != null) {
            return found;
        }
        ExchangeViews made = make.get();
        String from = writesHeldFrom;
        if (from != null) {
            made.holdWritesUntil(writesHeld, from); // seen by no one yet: no lock of theirs is held meanwhile
        }
        registeredViews = made; // found from now on, also from a copy of the exchange (and on it, once registered)
        return made.register();
    }

    /** @return the exchange's views, registered through {@link #registerViews}, or {@code null} */
    @Nullable ExchangeViews views() {
        return registeredViews;
    }

    /** The session's sid changed to {@code fresh}: the bound views write there. Called holding this object's lock. */
    private void moveViewsTo(String fresh) {
        ExchangeViews views = ExchangeViews.find(exchange);
        if (views != null) {
            views.moveTo(fresh);
        }
    }

    /** @param empty {@code fresh} is a new, empty session's sid (else the state is moved there) */
    private void adopt(String fresh, @Nullable String principal, boolean empty) {
        nextGeneration();
        sid = fresh;
        owner = principal;
        isNew = true;
        madeEmpty = empty ? fresh : null;
        cookieReplaced = true;
        writeCookie(fresh, principal);
    }

    /**
     * @param candidate a sid
     * @return whether this exchange made {@code candidate} for a new, empty session (no valid cookie came with
     *     it, a HEAD request, a session replaced or abandoned; not a sid the state is moved to) and the
     *     response, which carries its cookie, is not committed yet: no one else can know it, so nothing can
     *     be stored under it but what this exchange wrote there
     */
    boolean unissued(String candidate) {
        return candidate.equals(madeEmpty) && !exchange.getResponse().isCommitted();
    }

    /** @return the principal the exchange acts for now, empty {@code Optional} when anonymous; never empty */
    private Mono<Optional<String>> principal() {
        return Mono.defer(() -> settings.principals().principalName(exchange)).map(Optional::of)
                .defaultIfEmpty(Optional.empty());
    }

    /**
     * @param principal the principal the exchange acts for, or {@code null}
     * @return the session of the request's sid cookies ({@link SessionCookieValues#decodeOne}), or
     *     {@code null}: none, several that cannot be told apart, or the cookie was replaced in this exchange
     */
    private SessionCookieValues.@Nullable Decoded cookieSid(@Nullable String principal) {
        return cookieReplaced ? null : settings.values().decodeOne(ReactiveSidCookie.read(settings.cookie(), exchange), principal);
    }

    /**
     * Sets the cookie for {@code value} (a sid) bound to {@code principal}, or clears it for {@code ""};
     * the last call wins.
     */
    private void writeCookie(String value, @Nullable String principal) {
        // While the exchange's stash runs before the commit (a login in the handler seen there), the response
        // counts as committed but still takes cookies: they are applied after the before-commit actions.
        if (!cookieCanBeSet()) {
            cookieRefused();
            return;
        }
        try {
            ReactiveSidCookie.write(settings.cookie(), exchange, value.isEmpty() ? "" : settings.values().encode(value, principal));
        } catch (UnsupportedOperationException | IllegalStateException e) {
            cookieRefused(); // the response's cookies became read-only
        }
    }

    /** @return whether the response's cookie may still be set (it is not committed, or its commit waits for this) */
    private boolean cookieCanBeSet() {
        return !exchange.getResponse().isCommitted() || ExchangeViews.isCommitting(exchange) || commitWaitsForMove;
    }

    private void cookieRefused() {
        log.warn("Cannot set the DurableStash sid cookie: the response to {} is already committed",
                exchange.getRequest().getPath());
    }

    /** Waits, without blocking, at most the operation timeout plus {@link BoundViews#WAIT_MARGIN}. */
    private Mono<Void> await(Supplier<CompletionStage<Void>> operation, String name) {
        return Mono.fromCompletionStage(operation)
                .timeout(settings.operationTimeout().plus(BoundViews.WAIT_MARGIN),
                        Mono.error(() -> new StashTimeoutException("(session)", name, settings.operationTimeout())))
                .onErrorMap(e -> !(e instanceof RuntimeException),
                        e -> new StashWriteException("(session)", name + " of the browser session failed", e))
                .publishOn(Schedulers.parallel()); // what follows (the application's code) runs off the storage's threads
    }

    @Override
    public String toString() {
        return "ReactiveBrowserSession[" + (sid == null ? "unresolved" : isNew ? "new" : "from cookie") + "]";
    }
}
