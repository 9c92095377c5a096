package dev.durablestash.spring.web.reactive;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.BeanUtils;
import org.springframework.http.HttpMethod;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.codec.multipart.FormFieldPart;
import org.springframework.util.ClassUtils;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.ViewTurn;
import dev.durablestash.spring.Stash;
import dev.durablestash.spring.web.BoundViews;
import dev.durablestash.spring.web.MountCount;
import dev.durablestash.spring.web.StashedViews;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * The views bound to one exchange, kept by its {@link ReactiveBrowserSession} (so found from any copy of the
 * exchange), or as an exchange attribute without one: the controller (when it is a view)
 * and the state objects taken as handler arguments or recovered by a functional route, and the turns
 * the exchange holds at its atomic views. The reactive counterpart of the servlet {@code RequestViews}.
 *
 * <p><b>When they are stashed.</b> Once, just before the response is committed (a
 * {@code beforeCommit} action registered when the first view is bound): after a {@code Mono} body's
 * value was produced, before a view's rendered page, a redirect or a {@code ResponseEntity} is sent.
 * A failed stash fails the commit, and the response becomes the failure status instead. A multi-value
 * body (a {@code Flux}) written as a stream (server-sent events, say) is stashed earlier, as it starts
 * and before it is subscribed ({@link #stashBeforeStream()}); one written otherwise (a JSON array) is
 * collected first, so the commit comes once it completed ({@link #multiValueBody} for annotated handlers,
 * {@link RouteResponse} for functional routes). Nothing is stashed once the handler failed (an error
 * response is
 * committed then) or after a stash failed. Views first bound after the commit (by a streaming body) are
 * never stashed automatically; their changes are reported at the end like any made after the commit.
 *
 * <p><b>Turns.</b> Before an atomic view is recovered the exchange waits, without blocking, for the
 * browser session's turn at it (once per view and exchange). Every turn is handed on exactly once: after
 * the automatic stash (done or failed), when the handler or a stash failed, or when the exchange ends,
 * whatever ends it ({@link SidWebFilter}); a turn granted after the automatic stash (a view first bound
 * while a body streams) is handed on at once, so that a stream never holds a turn once it was stashed.
 * One granted after a failure (a view first bound once the handler or a stash failed, which may still
 * stash it explicitly) is held until the commit or the end.
 *
 * <p><b>Thread-safety:</b> the bindings are used by the exchange's processing, one step at a time
 * (Reactor orders the steps), except that binds of one view state class at the same time share one
 * ({@link #bindState}); turns may be granted and handed on from any thread.
 */
final class ExchangeViews {

    /** The mount-kind request header. */
    static final String MOUNTS_HEADER = "X-Stash-Mounts";

    /** The mount-kind request (query or form) parameter. */
    static final String MOUNTS_PARAMETER = "_mounts";

    private static final String ATTRIBUTE = ExchangeViews.class.getName();

    /** The mount count of an exchange whose form body was read before its field could be: a rejoin. */
    private static final String UNKNOWN_MOUNTS = "1";

    private static final Logger log = LoggerFactory.getLogger(ExchangeViews.class);

    private final ServerWebExchange exchange;
    private final StashContext context;
    private final BoundViews bound;
    /** The binds of state classes under way, by class ({@link #bindState}). */
    private final Map<Class<?>, CompletableFuture<Stash>> bindsInFlight = new ConcurrentHashMap<>(2);
    private volatile boolean failed;
    /** The handler failed ({@link #handlerFailed()}): the views were put back as they were when it started. */
    private volatile boolean handlerFailed;
    private volatile boolean finished;
    /** The automatic stash runs as the response commits: its cookies are still applied. */
    private volatile boolean committing;
    /**
     * The automatic stash at the commit ran to its end (whether it stashed anything or failed), or the
     * response was committed before any view was bound.
     */
    private volatile boolean commitStashEnded;
    /** The turns were handed on for good: one granted later is handed on at once. */
    private volatile boolean turnsHandedOn;
    private volatile @Nullable Throwable stashFailure;
    private @Nullable MountKind mount;
    private volatile boolean handlerReadsBody;
    /**
     * The Reactor context of the latest bind (the handler's, inside the application's filters, Spring
     * Security's among them): the stash at the commit runs in it, also when the response commits after
     * the filters are done (a response without a body, a redirect).
     */
    private volatile ContextView handlerContext = Context.empty();
    /** Puts the views back as they were before the handler bound any: when it fails ({@link #handlerFailed()}). */
    private final Runnable handlerStart;

    private ExchangeViews(ServerWebExchange exchange, StashContext context) {
        this.exchange = exchange;
        this.context = context;
        this.bound = new BoundViews(context.views(), context.adapter(), context.operationTimeout(), sid -> {
            ReactiveBrowserSession session = ReactiveBrowserSession.find(exchange);
            return session != null && session.unissued(sid);
        });
        this.handlerStart = bound.savepoint(); // nothing is bound yet
    }

    /**
     * @return the exchange's views, or {@code null} when none was bound: those registered on it, else those its
     *     browser session holds, which are found from the exchange they were bound in and from any copy or
     *     decoration of it (a request rebuilt by a filter gets a copy of the attributes, the session among them)
     */
    static @Nullable ExchangeViews find(ServerWebExchange exchange) {
        if (exchange.getAttribute(ATTRIBUTE) instanceof ExchangeViews views) {
            return views;
        }
        ReactiveBrowserSession session = ReactiveBrowserSession.find(exchange);
        return session != null ? session.views() : null;
    }

    /**
     * @return the exchange's views, registering them (and their stash before commit) on first use: once, also
     *     when two subscribers of the exchange bind their first views at once
     */
    static ExchangeViews of(ServerWebExchange exchange, StashContext context) {
        ExchangeViews views = find(exchange);
        if (views != null) {
            return views;
        }
        ReactiveBrowserSession session = ReactiveBrowserSession.find(exchange);
        // Through the session, which holds their writes while its state moves, or fails them after a failed login.
        return session != null ? session.registerViews(() -> new ExchangeViews(exchange, context))
                : new ExchangeViews(exchange, context).register();
    }

    /** @return these views, registered on the exchange, or the views registered there first */
    ExchangeViews register() {
        boolean committed = exchange.getResponse().isCommitted();
        if (committed) {
            boundAfterTheCommit();
        }
        if (exchange.getAttributes().putIfAbsent(ATTRIBUTE, this) instanceof ExchangeViews first) {
            return first;
        }
        // The commit stashes the views, unless it took its actions before this one was added: then they count as
        // bound after the commit (their changes reported at the end, never lost silently).
        if (!committed
                && !CommitActions.addUnlessTaken(exchange.getResponse(), this::stashBeforeCommitInHandlerContext)) {
            boundAfterTheCommit();
        }
        return this;
    }

    /**
     * First bound while the body streams, or as the response committed: nothing is stashed automatically, and
     * the end reports the changes left unstashed.
     */
    private void boundAfterTheCommit() {
        finished = true;
        commitStashEnded = true;
        handTurnsOn(); // also a turn another subscriber took since the views were registered
    }

    /**
     * Binds (recovering it) an instance, unless it is bound already. For an atomic view, first waits
     * (without blocking) for the browser session's turn at it.
     */
    Mono<Stash> bind(Object target) {
        return Mono.deferContextual(reactorContext -> {
            keepHandlerContext(reactorContext);
            Stash existing = bound.find(target);
            if (existing != null) {
                return Mono.just(existing);
            }
            boolean atomic = context.views().isAtomic(target.getClass());
            ReactiveBrowserSession session = ReactiveBrowserSession.of(exchange);
            return session.sid().zipWith(mount()).flatMap(sidAndMount -> {
                String sid = sidAndMount.getT1();
                Mono<?> turn = Mono.empty();
                if (atomic && bound.takesTurn(target.getClass())) { // also once failed: its explicit stash writes
                    turn = awaitTurn(target.getClass(), sid);
                }
                // The sid once more, after the wait for the turn (and the form body's read): should the state have
                // moved to a new sid meanwhile (a login followed), the view is recovered from, and stashes to, that
                // one.
                return turn.then(session.sid()).flatMap(current -> Mono.fromCompletionStage(
                        () -> bound.recoverAsync(target, current, sidAndMount.getT2())));
            }).flatMap(recovered -> {
                // Should the session have left that sid meanwhile all the same (a move sent just after the sid was
                // read, an end), the view is not bound under it: it is recovered again, from the session's sid now.
                Stash added = bound.addIfStillUnder(recovered, session::sidNow);
                return added != null ? Mono.just(added) : bind(target);
            }).publishOn(Schedulers.parallel()); // the application's code never runs on the engine's pool
        });
    }

    /**
     * Waits (without blocking) for the turns of the atomic views a handler is about to bind, in the
     * order every exchange takes them ({@link BoundViews#takeTurnsInOrder}), before it binds any of
     * them: two requests of one session whose handlers bind the same views in different orders do not
     * wait for each other.
     *
     * @param viewClasses the classes of the views the handler binds (its controller, its arguments, those
     *     of the {@code @ModelAttribute} methods invoked before it)
     */
    Mono<Void> takeTurns(List<Class<?>> viewClasses) {
        return Mono.defer(() -> {
            if (failed) {
                return Mono.empty();
            }
            List<Class<?>> order = bound.takeTurnsInOrder(viewClasses);
            if (order.isEmpty()) {
                return Mono.empty();
            }
            return ReactiveBrowserSession.of(exchange).sid()
                    .flatMapMany(sid -> Flux.fromIterable(order).concatMap(viewClass -> awaitTurn(viewClass, sid)))
                    .then();
        });
    }

    /**
     * Waits (without blocking) for the browser session's turn at an atomic view, and holds it. Logs at
     * DEBUG when the turn is not free at once, as a Spring MVC request does.
     */
    private Mono<ViewTurn> awaitTurn(Class<?> viewClass, String sid) {
        return Mono.defer(() -> {
            CompletableFuture<ViewTurn> waiting = bound.awaitTurnAsync(viewClass, sid).toCompletableFuture();
            if (log.isDebugEnabled() && !waiting.isDone()) {
                log.debug("Waiting for the turn of view '{}': another exchange of the browser session holds it",
                        StashedViews.viewName(viewClass));
            }
            // On the grant itself, not on a stage Reactor may cancel when the client goes away:
            // a turn granted after that is still held, and handed on when the exchange ends.
            waiting.whenComplete((granted, error) -> {
                if (granted != null) {
                    hold(granted);
                }
            });
            return Mono.fromFuture(waiting, true);
        });
    }

    /**
     * Returns the binding of a state class, making and recovering an instance on first use. Binds of one class
     * at the same time (two {@code @ModelAttribute} methods taking it, which WebFlux invokes together; a route
     * that subscribes to one {@code recover} twice) share one: they get the same instance, bound once, after
     * its turn. The shared bind runs to its end even should every caller cancel (a turn granted then is held,
     * and handed on at the end of the exchange, as any).
     */
    Mono<Stash> bindState(Class<?> stateClass) {
        return Mono.deferContextual(reactorContext -> {
            keepHandlerContext(reactorContext);
            Stash existing = find(stateClass);
            if (existing != null) {
                return Mono.just(existing);
            }
            Class<?> key = ClassUtils.getUserClass(stateClass);
            CompletableFuture<Stash> shared = new CompletableFuture<>();
            CompletableFuture<Stash> first = bindsInFlight.putIfAbsent(key, shared);
            if (first == null) {
                first = shared;
                // Once bound, found by find(); forgotten after, so that a bind once the views were dropped (an end of
                // the session) makes a new instance.
                shared.whenComplete((binding, error) -> bindsInFlight.remove(key, shared));
                Mono.fromSupplier(() -> BeanUtils.instantiateClass(stateClass)).flatMap(this::bind)
                        .contextWrite(reactorContext).subscribe(shared::complete, shared::completeExceptionally);
            }
            return Mono.fromFuture(first, true).publishOn(Schedulers.parallel());
        });
    }

    @Nullable Stash find(Class<?> viewClass) {
        return bound.find(viewClass);
    }

    /**
     * The browser session's state is about to move to a new sid: the bound views' writes sent from now on
     * wait for {@code moved}, and fail with it ({@link BoundViews#holdWritesUntil}).
     */
    void holdWritesUntil(CompletableFuture<?> moved, String from) {
        bound.holdWritesUntil(moved, from);
    }

    /** The browser session's id was rotated: later stashes of the bound views go to the new id. */
    void moveTo(String newSid) {
        bound.moveTo(newSid);
    }

    /**
     * The browser session ended or was replaced: the bound views are dropped, their changes never
     * stashed (also not through a {@link ReactiveStash} the handler holds).
     */
    void detach() {
        bound.detach();
    }

    /**
     * Makes the browser session follow the exchange's principal before the bound views are stashed
     * ({@link ReactiveBrowserSession#followPrincipal()}), when a stash will write something (a view has
     * changes, or a reset in flight that a stash would wait for), and always at the commit: a login in the
     * handler moves the state first (should that fail, so does the stash), an account switch gives a new
     * session into which only what changes from then on is stashed. At the commit also when nothing is
     * left to write: a stash or reset the handler subscribed to on its own did not see the exchange's
     * security context, and may have written under the session the login must move away from.
     */
    Mono<Void> followPrincipal() {
        return Mono.defer(() -> committing || bound.willWrite() ? followPrincipalBeforeWrite() : Mono.empty());
    }

    /** {@link #followPrincipal()} whatever the bound views hold: before a reset, which always writes. */
    Mono<Void> followPrincipalBeforeWrite() {
        return Mono.defer(() -> {
            ReactiveBrowserSession session = ReactiveBrowserSession.find(exchange);
            return session == null ? Mono.empty() : session.followPrincipal();
        });
    }

    /**
     * @return {@code false} once a stash failed or the handler failed, and for a HEAD request, which renders
     *     no page: it changes nothing stored (its views are recovered as a rejoin, so their reconnect-scoped
     *     keys stay, and nothing is stashed automatically, whatever its handler changes). A HEAD request takes
     *     its turns at atomic views all the same, as any: its handler's explicit stash or reset writes.
     */
    boolean active() {
        return !failed && !isHead(exchange);
    }

    /**
     * @return whether {@code exchange} is a HEAD request: a link checker, a monitor, {@code curl -I}, asking
     *     for a page's headers, not showing it
     */
    static boolean isHead(ServerWebExchange exchange) {
        return HttpMethod.HEAD.equals(exchange.getRequest().getMethod());
    }

    /**
     * Stashes every bound view's changes now (for {@link ReactiveBrowserSession#rotate()}, explicit
     * stashes and the automatic stash), after the browser session {@linkplain #followPrincipal() followed
     * the principal}; does nothing once the handler or a stash failed. A failed stash hands the turns on and
     * stops every later automatic stash of the exchange.
     */
    Mono<Void> stashBound() {
        return stashEachBound().doOnError(this::stashFailed);
    }

    private Mono<Void> stashEachBound() {
        return Mono.defer(() -> {
            if (!active()) {
                return Mono.empty();
            }
            return followPrincipal() // a login, logout or switch in the handler
                    .thenMany(Flux.defer(() -> Flux.fromIterable(bound.all())))
                    .concatMap(binding -> Mono.fromCompletionStage(() -> BoundViews.stashAsync(binding)))
                    .then()
                    .publishOn(Schedulers.parallel());
        });
    }

    /**
     * The automatic stash, just before the response is committed (or as a stream starts:
     * {@link #stashBeforeStream()}); then the turns are handed on. After
     * an explicit stash of the exchange failed, the commit fails instead, so the response becomes the
     * failure status even if the handler caught the error.
     */
    private Mono<Void> stashBeforeCommit() {
        if (finished) {
            return Mono.empty();
        }
        finished = true; // before the stash: an error response made after a failure must not try again
        Throwable failure = stashFailure;
        if (failure != null) { // an explicit stash failed and the handler answered anyway: fail the commit
            handTurnsOn();
            return Mono.error(failure);
        }
        committing = true;
        // Ended before the commit goes on: the exchange may end (ended()) before a doFinally would run.
        return stashEachBound().doOnError(this::commitStashFailed).doOnTerminate(() -> commitStashEnded = true)
                .doFinally(signal -> {
                    committing = false;
                    handTurnsOn();
                });
    }

    /**
     * The body of the annotated handler's multi-value result (a {@code Flux}, say), by the media type the
     * response is written in ({@link MultiValueBodies}): as a stream, the bound views are stashed as it
     * starts, before it is subscribed ({@link #stashBeforeStream()}); otherwise its elements are collected
     * first, so that the response commits, and the views are stashed, once it completed, with what it
     * changed while it was produced.
     *
     * @param body the handler's multi-value body
     * @return the body to write instead
     */
    <T> Flux<T> multiValueBody(Publisher<T> body) {
        return Flux.defer(() -> MultiValueBodies.isStream(exchange.getResponse())
                ? stashBeforeStream().thenMany(body)
                : MultiValueBodies.collected(body));
    }

    /**
     * A stream (a multi-value body written as a stream, see {@link MultiValueBodies}) is about to be
     * subscribed: the automatic stash runs now, and the turns are handed on once it is done or failed, as
     * on Spring MVC, so that the stream holds no turn, also while it waits for its first element. The
     * commit stashes nothing more: changes made while the stream produces its elements are reported when
     * the exchange ends, as those made after the commit.
     *
     * @return completes once the bound views are stashed; fails with the stash's error (the exchange is
     *     then answered the failure status, the stream never subscribed)
     */
    Mono<Void> stashBeforeStream() {
        return Mono.defer(this::stashBeforeCommit);
    }

    /**
     * @return whether the exchange's automatic stash is running as its response commits (before the
     *     response's headers and cookies are applied, so a rotated sid's cookie still reaches the browser)
     */
    static boolean isCommitting(ServerWebExchange exchange) {
        ExchangeViews views = find(exchange);
        return views != null && views.committing;
    }

    /** @return whether a non-blocking reset of a view the exchange bound is in flight (for tests) */
    static boolean hasResetInFlight(ServerWebExchange exchange) {
        ExchangeViews views = find(exchange);
        return views != null && views.bound.hasResetInFlight();
    }

    /**
     * A stash or reset of this exchange failed: nothing more is stashed, the turns are handed on, and
     * the exchange answers the failure status, even if the handler caught the error. Once the commit's
     * stash started, none of that applies (the response's status is its alone: it fails only should it
     * fail itself, or a write it waits for): the failure is reported when the exchange ends, with the
     * changes it leaves unstashed.
     */
    void stashFailed(Throwable failure) {
        if (!finished) {
            commitStashFailed(failure);
        }
    }

    /** The commit's stash failed, or a stash or reset before it: see {@link #stashFailed}. */
    private void commitStashFailed(Throwable failure) {
        if (StashFailures.isStashFailure(failure) && stashFailure == null) {
            stashFailure = failure;
        }
        failed = true;
        handHeldTurnsOn();
    }

    /** @return the first stash failure of this exchange, or {@code null} */
    @Nullable Throwable stashFailure() {
        return stashFailure;
    }

    /**
     * The handler failed (or an error response is being made): nothing of this exchange is stashed
     * any more, and its turns are handed on. As any failed handler's, its changes are never stashed, so
     * unless the automatic stash ran already (the failure came later, while the body was written) the
     * bound views are put back at once as stored and dropped: what answers the error (an
     * {@code @ExceptionHandler}, a {@code WebExceptionHandler}) finds them as stored, and neither a
     * {@link ReactiveBrowserSession#rotate()} there (which stashes the bound views) nor a stash of a
     * {@link ReactiveStash} the failed handler kept stores the failed handler's changes or its own. A
     * view bound again after that is recovered again, after waiting for its turn once more.
     */
    void handlerFailed() {
        List<String> dropped = List.of();
        synchronized (this) {
            if (!handlerFailed && !finished) {
                handlerFailed = true;
                dropped = bound.all().stream().map(Stash::view).distinct().toList();
                handlerStart.run();
            }
        }
        failed = true;
        handHeldTurnsOn();
        dropped.forEach(bound::forget); // their turns were handed on: a later bind waits for the turn again
    }

    /**
     * Called by {@link SidWebFilter} when the handling succeeded: stashes now if the response is not
     * committed yet (a response without a body is committed after the filters, too late for a failed
     * stash to change its status).
     */
    static Mono<Void> stashUncommitted(ServerWebExchange exchange) {
        ExchangeViews views = find(exchange);
        if (views == null || exchange.getResponse().isCommitted()) {
            return Mono.empty();
        }
        return views.stashBeforeCommitInHandlerContext();
    }

    /**
     * Keeps the Reactor context of the latest bind that has one: the handler binds after any filter of
     * the application did (one ahead of Spring Security's, whose context lacks the security context).
     */
    private void keepHandlerContext(ContextView reactorContext) {
        if (!reactorContext.isEmpty()) {
            handlerContext = reactorContext;
        }
    }

    /** {@link #stashBeforeCommit()} in the handler's Reactor context (Spring Security's, for one). */
    private Mono<Void> stashBeforeCommitInHandlerContext() {
        return Mono.defer(this::stashBeforeCommit).contextWrite((current) -> current.putAll(handlerContext));
    }

    /** The failure status is the answer: nothing is stashed or failed at the commit any more. */
    void answered() {
        failed = true;
        finished = true;
        handHeldTurnsOn();
    }

    /** Called by {@link SidWebFilter} when the exchange ended, however it ended. */
    static void exchangeEnded(ServerWebExchange exchange) {
        ExchangeViews views = find(exchange);
        if (views != null) {
            views.ended();
        }
    }

    private void ended() {
        handTurnsOn();
        if (!active()) {
            return;
        }
        if (!finished) {
            // The handler did not finish (the client went away): its changes are dropped, but a write it sent
            // and nobody waits for any more is reported should it fail.
            bound.reportWritesFailedAtEnd(exchange.getRequest().getPath());
            return;
        }
        // Changes a stash still in flight writes (the client went away while the commit's stash ran) are
        // not "made after the commit"; should that stash fail, nobody waits for it any more: say so here.
        bound.reportUnstashedAtEnd(exchange.getRequest().getPath(), commitStashEnded
                ? "they were made after the response was committed, or while a Flux body written as a "
                        + "stream (stashed as it started) produced its elements; stash them with "
                        + "ReactiveStash.stash() before sending what depends on them"
                : "the exchange ended (the client went away) before the stash made as the response "
                        + "committed reached them");
    }

    private void hold(ViewTurn turn) {
        bound.hold(turn);
        if (turnsHandedOn) {
            bound.releaseTurns();
        }
    }

    /** Hands the turns held on, and any granted later (see {@link #hold}). */
    private void handTurnsOn() {
        turnsHandedOn = true;
        bound.releaseTurns();
    }

    /**
     * The exchange failed: hands the turns held on now, but holds one granted later (a view first bound after
     * the failure, whose explicit stash or reset still writes) until the commit or the end hands it on.
     */
    private void handHeldTurnsOn() {
        bound.releaseTurns();
    }

    /**
     * The handler reads the raw request body itself (a {@code @RequestBody}, {@code HttpEntity} or
     * {@code ServerHttpRequest} parameter): the mount kind is not looked up in a multipart body, whose
     * parsing would consume it.
     */
    void handlerReadsBody() {
        handlerReadsBody = true;
    }

    /**
     * The mount kind: the {@value #MOUNTS_HEADER} header, else the {@value #MOUNTS_PARAMETER} query
     * parameter, else that field of a form body, read without blocking: of an
     * {@code application/x-www-form-urlencoded} one through the exchange's form data (which
     * {@link SidWebFilter} reads from a copy of the body, so the handler still reads the body itself), of a
     * {@code multipart/form-data} one through the exchange's multipart data, which the handler can still use
     * (its parts, parsed once; unless the handler {@linkplain #handlerReadsBody() reads the raw body}); the
     * raw body of such an exchange then fails when read ({@link ParsedMultipartGuard}). A form body read
     * (raw) before its fields could be, so that its {@code _mounts} field is unknown
     * ({@link FormBodyReplay#wasReadBefore}), counts as a rejoin, logged at WARN: never as a fresh mount,
     * which would clear the view's reconnect-scoped keys in storage. A HEAD request's is a rejoin.
     */
    private Mono<MountKind> mount() {
        MountKind kind = mount;
        if (kind != null) {
            return Mono.just(kind);
        }
        if (isHead(exchange)) {
            mount = MountKind.REJOIN; // no new navigation to a view
            return Mono.just(MountKind.REJOIN);
        }
        String value = exchange.getRequest().getHeaders().getFirst(MOUNTS_HEADER);
        if (value == null) {
            value = exchange.getRequest().getQueryParams().getFirst(MOUNTS_PARAMETER);
        }
        Mono<String> found;
        MediaType type = value != null ? null : contentType();
        if (value != null) {
            found = Mono.just(value);
        } else if (type != null && type.isCompatibleWith(MediaType.APPLICATION_FORM_URLENCODED)) {
            found = exchange.getFormData().mapNotNull(form -> {
                String field = form.getFirst(MOUNTS_PARAMETER);
                if (field == null && FormBodyReplay.wasReadBefore(exchange)) {
                    log.warn("The form body of {} {} was read before its {} field could be looked up (by a "
                            + "filter ahead of the SidWebFilter, or by the handler before it recovered a view): "
                            + "counted as a rejoin, which keeps the view's reconnect-scoped state; send the mount "
                            + "kind in the {} header or the query", exchange.getRequest().getMethod(),
                            exchange.getRequest().getPath(), MOUNTS_PARAMETER, MOUNTS_HEADER);
                    return UNKNOWN_MOUNTS;
                }
                return field;
            });
        } else if (type != null && type.isCompatibleWith(MediaType.MULTIPART_FORM_DATA) && !handlerReadsBody) {
            ParsedMultipartGuard.parsing(exchange);
            found = exchange.getMultipartData().mapNotNull(parts -> parts.getFirst(MOUNTS_PARAMETER)
                    instanceof FormFieldPart field ? field.value() : null);
        } else {
            found = Mono.empty();
        }
        return found.map(MountCount::kindOf).defaultIfEmpty(MountKind.FRESH).doOnNext(k -> mount = k);
    }

    private @Nullable MediaType contentType() {
        try {
            MediaType type = exchange.getRequest().getHeaders().getContentType();
            return type != null && type.isConcrete() ? type : null;
        } catch (InvalidMediaTypeException e) {
            return null;
        }
    }
}
