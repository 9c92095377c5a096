package dev.durablestash.spring.web.servlet;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeanUtils;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.ViewTurn;
import dev.durablestash.spring.Stash;
import dev.durablestash.spring.web.BoundViews;
import dev.durablestash.spring.web.MountCount;

/**
 * The views bound to one request, kept as a request attribute: the controller (when it is a view)
 * and any state objects taken as handler arguments, and the turns the request
 * holds at its atomic views.
 *
 * <p><b>Turns.</b> Before an atomic view is recovered the request waits for the browser session's
 * turn at it (at most once per view and request). Every turn is handed on exactly once, at the
 * first of: the request's last automatic stash is done or failed ({@link #finish()}, a failed
 * {@link #stashAll()}), the end of a dispatch that does not continue asynchronously, the start of
 * a forwarded handler's asynchronous processing for a view that handler does not bind
 * ({@link #concurrentHandlingStarted()}), or the completion of the request's asynchronous
 * processing (an {@link AsyncListener}). {@link SidFilter}
 * wraps every dispatch and reports its end ({@link #dispatchEnded}), so no path leaks a turn:
 * exceptions, error dispatches, client aborts, async timeouts. A view first bound after the turns
 * were handed on at a failure (a failed stash, a failed handler whose views were dropped), by a handler
 * a forward reaches or by an error page, still waits for its turn, and holds it until the next hand-over
 * or the end of the dispatch, as on WebFlux: its explicit {@code stashNow()} writes.
 *
 * <p><b>Forwards.</b> A handler whose view forwards the request ({@code forward:}, or a view name
 * the view resolvers render by a forward: see {@link ForwardingViewNames}) is not the
 * request's last: the handler the forward reaches may change the same views, so the stash before
 * the forward keeps the turns ({@link #finishBeforeForward()}). The forwarded handler's own finish
 * hands them on, or the end of the dispatch when the forward reaches no handler (a JSP, a servlet).
 * A forwarded handler that continues asynchronously hands on the turns of the views it does not bind
 * when its asynchronous processing starts ({@link #concurrentHandlingStarted()}); it keeps its own
 * views' turns until its result is stashed.
 *
 * <p><b>Includes.</b> An included handler ({@code RequestDispatcher.include}) runs inside the handler
 * (or the view) that includes it, which goes on when it returns: the included handler's stash is
 * its own dispatch's last automatic one, not the request's. So each include keeps the state of the
 * dispatch around it ({@link #handlerStarting}, {@link #includeEnded}), and its {@link #finish()}
 * hands no turn on while a dispatch around it still runs its handler: that handler's own finish does.
 * An included handler that fails leaves the views as it found them: the handler that included it
 * would otherwise stash its changes. Views first bound within an include are forgotten when it
 * returns: their turns are handed on then.
 *
 * <p><b>Thread-safety:</b> bindings are used by one thread at a time (the request's dispatches run
 * one after the other); the held turns may also be handed on by the container's async listener.
 */
final class RequestViews {

    /** The mount-kind request header. */
    static final String MOUNTS_HEADER = "X-Stash-Mounts";

    /** The mount-kind request parameter. */
    static final String MOUNTS_PARAMETER = "_mounts";

    private static final String ATTRIBUTE = RequestViews.class.getName();

    private final HttpServletRequest request;
    private final StashContext context;
    private final BoundViews bound;
    private @Nullable MountKind mount;
    private boolean failed;
    /** The current dispatch's handler is past its last automatic stash. */
    private boolean finished;
    /**
     * Puts the bound views back as they were when the current handler (the request's first, or the one a
     * forward reached) started: run when a forward follows a handler that failed ({@link #handlerStarting}).
     */
    private Runnable handlerStart;
    /** The current handler threw ({@link StashExceptionResolver} says so before any exception handler runs). */
    private boolean handlerFailed;
    /** Each dispatch an include runs inside, the innermost first. */
    private final Deque<Enclosing> enclosing = new ArrayDeque<>();
    /** The turns taken, by view name (also once handed on: closing one again does nothing). */
    private final Map<String, ViewTurn> turns = new HashMap<>(4);
    /** The names of the views the current handler binds, since the request's last forward. */
    private final Set<String> handlerViews = new HashSet<>(4);
    private boolean warnedUnstashed;
    private boolean warnedChangedOnEveryWrite;
    private boolean listeningForAsyncCompletion;

    private RequestViews(HttpServletRequest request, StashContext context) {
        this.request = request;
        this.context = context;
        this.bound = new BoundViews(context.views(), context.adapter(), context.operationTimeout(), sid -> {
            BrowserSession session = BrowserSession.find(request);
            return session != null && session.unissued(sid);
        });
        this.handlerStart = bound.savepoint(); // nothing is bound yet
    }

    static @Nullable RequestViews find(HttpServletRequest request) {
        return request.getAttribute(ATTRIBUTE) instanceof RequestViews rv ? rv : null;
    }

    static RequestViews of(HttpServletRequest request, StashContext context) {
        RequestViews rv = find(request);
        if (rv == null) {
            rv = new RequestViews(request, context);
            request.setAttribute(ATTRIBUTE, rv);
        }
        return rv;
    }

    /**
     * Waits for the turns of the atomic views a handler is about to bind, in the order every request
     * takes them ({@link BoundViews#takeTurnsInOrder}), before it binds any of them: two requests of
     * one session whose handlers bind the same views in different orders do not wait for each other.
     *
     * @param viewClasses the classes of the views the handler binds (its controller, its arguments, those
     *     of the {@code @ModelAttribute} methods run before it and of its {@code @InitBinder} methods)
     * @throws dev.durablestash.core.StashTimeoutException when a turn did not come in time
     */
    void takeTurns(List<Class<?>> viewClasses) {
        for (Class<?> viewClass : viewClasses) {
            handlerViews.add(nameOf(viewClass));
        }
        List<Class<?>> order = bound.takeTurnsInOrder(viewClasses);
        if (order.isEmpty()) {
            return;
        }
        String sid = BrowserSession.of(request).sid();
        for (Class<?> viewClass : order) {
            hold(viewClass, bound.awaitTurn(viewClass, sid));
        }
    }

    private void hold(Class<?> viewClass, ViewTurn turn) {
        bound.hold(turn);
        turns.put(nameOf(viewClass), turn);
    }

    private String nameOf(Class<?> viewClass) {
        return context.views().definitionOf(viewClass).name();
    }

    /**
     * Binds (recovering it) an instance, unless it is bound already. For an atomic view, first waits
     * for the browser session's turn at it.
     *
     * @throws dev.durablestash.core.StashTimeoutException when the turn did not come in time
     */
    Stash bind(Object target) {
        handlerViews.add(nameOf(target.getClass()));
        Stash existing = bound.find(target);
        if (existing != null) {
            return existing;
        }
        boolean atomic = context.views().isAtomic(target.getClass());
        String sid = BrowserSession.of(request).sid();
        // Also once a stash failed, or while an error page renders: its explicit stashNow() still writes.
        if (atomic && bound.takesTurn(target.getClass())) {
            hold(target.getClass(), bound.awaitTurn(target.getClass(), sid));
        }
        return bound.add(bound.recover(target, sid, mount(), this::followPrincipal));
    }

    /**
     * The browser session's id was rotated: the bound views' changes so far have been stashed (by
     * {@link BrowserSession#rotate()}, before the state moved), and later stashes go to the new id.
     */
    void moveTo(String newSid) {
        bound.moveTo(newSid);
    }

    /**
     * The browser session ended: the bound views are dropped, so their changes are never stashed and
     * a view bound later in this request starts from defaults under the next sid.
     */
    void detach() {
        bound.detach();
    }

    /**
     * Follows a change of the request's principal before a stash ({@link BrowserSession#followPrincipal()}),
     * except on an asynchronous dispatch: its security context is loaded again from the HTTP session,
     * where a login in another tab may have put another principal; the request's own handler changed
     * nothing, and its stash goes to the sid it resolved.
     */
    private void followPrincipal() {
        if (request.getDispatcherType() != DispatcherType.ASYNC) {
            BrowserSession.of(request).followPrincipal();
        }
    }

    /** Returns the binding of a state class, making and recovering an instance on first use. */
    Stash bindState(Class<?> stateClass) {
        Stash existing = find(stateClass);
        if (existing == null) {
            return bind(BeanUtils.instantiateClass(stateClass));
        }
        handlerViews.add(nameOf(stateClass));
        return existing;
    }

    @Nullable Stash find(Class<?> viewClass) {
        return bound.find(viewClass);
    }

    /**
     * @return {@code false} once a stash failed, while an error page renders, and for a HEAD request,
     *     which renders no page: it changes nothing stored (its views are recovered as a rejoin, so their
     *     reconnect-scoped keys stay, and nothing is stashed automatically, whatever its handler changes)
     */
    boolean active() {
        return !failed && request.getDispatcherType() != DispatcherType.ERROR && !isHead(request);
    }

    /**
     * @return whether {@code request} is a HEAD request: a link checker, a monitor, {@code curl -I}, asking
     *     for a page's headers, not showing it
     */
    static boolean isHead(HttpServletRequest request) {
        return "HEAD".equalsIgnoreCase(request.getMethod());
    }

    /**
     * Stashes every bound view's changes, waiting until they are durable. Does nothing once a stash
     * of this request failed (the client is told so; nothing is retried behind its back), nor while
     * an error page renders (a handler that threw stashes nothing). After {@link #finish()} it only
     * reports changes it can no longer stash. A failed stash hands the request's turns on.
     */
    void stashAll() {
        if (!active() || (handlerFailed && !finished)) {
            return; // a failed handler's changes, and its exception handler's, are never stashed
        }
        if (finished) {
            reportUnstashed("they were made after the response started streaming; call Stash.stashNow() after "
                    + "making them");
            return;
        }
        try {
            // A login, logout or switch in the handler, before anything is written; also when nothing is left to
            // write: a stashNow() on another thread, without the security context, wrote under the session as it was.
            followPrincipal();
            for (Stash binding : bound.all()) {
                binding.stashNow();
            }
        } catch (RuntimeException e) {
            failed = true;
            handTurnsOn();
            throw e;
        }
    }

    /**
     * A handler of a forward or include dispatch (of {@code dispatched}, the request as this dispatch
     * sees it) is about to run: its changes are stashed automatically again, as the first handler's
     * were. It takes its own turn at an atomic view it binds; a view the first handler bound keeps the
     * turn the request still holds at it. A forward comes after the first handler's stash, from inside
     * that handler ({@code RequestDispatcher.forward}), or after it failed (it threw, and an exception
     * handler answered with a forward, also one by a view name the view resolvers render by a forward,
     * which the starter's StashExceptionResolver, asked first, tells): as any failed
     * handler's, its changes are never stashed, so the views are put back as they were when it started
     * (those it first bound are dropped, and recovered anew if the next handler binds them; keys it
     * stored with {@code stashNow()} keep what was stored). An include may come in the middle of the
     * including handler, which goes on when it returns: the state of that dispatch is kept until {@link
     * #includeEnded()}, which must follow the end of every include.
     */
    void handlerStarting(HttpServletRequest dispatched) {
        DispatcherType type = dispatched.getDispatcherType();
        if (type == DispatcherType.INCLUDE) {
            enclosing.push(new Enclosing(finished, handlerFailed, bound.savepoint()));
            finished = false;
            handlerFailed = false;
        } else if (type == DispatcherType.FORWARD) {
            if (!finished && handlerFailed) {
                handlerStart.run(); // the handler before the forward threw; an exception handler forwards
            }
            handlerFailed = false;
            finished = false;
            handlerViews.clear();
            handlerStart = bound.savepoint();
        }
    }

    /**
     * The current handler threw (told by {@link StashExceptionResolver}, which Spring MVC asks first, before
     * any exception handler runs): as any failed handler's, its changes are never stashed, so the views are
     * put back at once as they were when it started (or, in an include, when the include started), and
     * nothing is stashed automatically until a forward reaches another handler: a stash while an exception
     * handler answers ({@link BrowserSession#rotate()} stashes the bound views) stores neither the failed
     * handler's half-done changes nor the exception handler's. A handler past its last automatic stash (the
     * exception came later, from writing its response) keeps what was stashed.
     */
    void handlerFailed() {
        if (!finished && !handlerFailed) {
            Enclosing include = enclosing.peek();
            (include != null ? include.rollBack() : handlerStart).run();
        }
        handlerFailed = true;
    }

    /**
     * The current dispatch's handler continues asynchronously (a {@code Callable}, a
     * {@code DeferredResult}, a {@code CompletableFuture}...): it keeps the turns of the views it binds
     * until its result is stashed, and hands the others on now. Those are the views that only the
     * handlers before a forward to it bound, whose changes were stashed before the forward: the
     * browser session's other requests to them need not wait for the result.
     */
    void concurrentHandlingStarted() {
        turns.entrySet().removeIf(held -> {
            if (handlerViews.contains(held.getKey())) {
                return false;
            }
            held.getValue().close();
            bound.forget(held.getKey()); // bound again (the result forwards to it): its turn again, recovered anew
            return true;
        });
    }

    /**
     * An include has returned. When {@link #handlerStarting} saw it start, the dispatch that included it
     * goes on as it was, its handler still to be stashed if it was before the include; an included
     * handler that never reached its last automatic stash failed (it threw, also when an exception
     * handler answered), and as any failed handler's its changes are never stashed: the views bound
     * within the include are dropped, and those bound before it, which the including handler stashes
     * when it returns, are put back as they were when it started (keys a {@code stashNow()} or
     * {@code reset()} stored since keep what was stored). Otherwise these views were bound within the
     * include, whose request attributes Spring MVC's {@code DispatcherServlet} drops when it returns:
     * nothing would find them at the end of the request, so their turns are handed on now (also when
     * the included handler threw, and its {@link #finish()} never came).
     */
    void includeEnded() {
        Enclosing outer = enclosing.poll();
        if (outer != null) {
            if (!finished) {
                outer.rollBack().run(); // the included handler failed: its changes are dropped
            }
            finished = outer.finished();
            handlerFailed = outer.handlerFailed();
        } else {
            handTurnsOn();
        }
    }

    /**
     * The current dispatch's last automatic stash is done and its view forwards the request: as
     * {@link #finish()}, but the request keeps its turns, for the handler the forward reaches changes
     * views of the same request. That handler's finish hands them on, or the end of the dispatch
     * ({@link #dispatchEnded}) when the forward reaches no handler.
     */
    void finishBeforeForward() {
        finished = true;
    }

    /**
     * The current dispatch's last automatic stash is done: hands the request's turns on, unless it is
     * an include whose including handler still runs (that handler's finish hands them on). Later
     * changes of this dispatch are only stored by {@link dev.durablestash.spring.Stash#stashNow()},
     * without the turn.
     */
    void finish() {
        finished = true;
        if (enclosing.stream().allMatch(Enclosing::finished)) {
            handTurnsOn();
        }
    }

    /**
     * Hands the turns held on. A view that took one and is no longer bound (the handler that bound it failed,
     * and it was dropped) waits for its turn again, should a later handler or an error page of the request
     * bind it: it holds that turn until the request's next hand-over, or the end of the dispatch.
     */
    private void handTurnsOn() {
        bound.releaseTurns();
        turns.keySet().removeIf(name -> {
            if (bound.all().stream().anyMatch(binding -> binding.view().equals(name))) {
                return false;
            }
            bound.forget(name);
            return true;
        });
    }

    /**
     * Logs an ERROR (once per request) when a bound view has changes no automatic stash will store, and a
     * WARN (once per request) for views whose only changes are keys whose JSON differs on every write
     * (they count as changed however often they are stashed, so they cannot be told apart): a WARN does
     * not keep a later real change from its ERROR.
     *
     * @param reason why they cannot be stashed any more, and what to do
     */
    void reportUnstashed(String reason) {
        if (!active() || (warnedUnstashed && warnedChangedOnEveryWrite)) {
            return;
        }
        warnedUnstashed |= bound.reportUnstashedChanges(request.getRequestURI(), reason, !warnedUnstashed,
                warnedChangedOnEveryWrite ? null : () -> warnedChangedOnEveryWrite = true);
    }

    /**
     * Called by {@link SidFilter} at the end of every dispatch of a request: hands the request's turns
     * on, or, when the request continues asynchronously, once its asynchronous processing completes.
     */
    static void dispatchEnded(HttpServletRequest request) {
        RequestViews rv = find(request);
        if (rv != null) {
            rv.dispatchEnded();
        }
    }

    private void dispatchEnded() {
        if (!request.isAsyncStarted()) {
            handTurnsOn();
            return;
        }
        if (listeningForAsyncCompletion) {
            return;
        }
        try {
            request.getAsyncContext().addListener(new ReleaseOnCompletion());
            listeningForAsyncCompletion = true;
        } catch (IllegalStateException e) {
            handTurnsOn(); // the asynchronous processing is over already
        }
    }

    /** @return the request's mount kind: a HEAD request's is a rejoin (it is no new navigation to a view) */
    private MountKind mount() {
        MountKind kind = mount;
        if (kind == null && isHead(request)) {
            kind = MountKind.REJOIN;
            mount = kind;
        } else if (kind == null) {
            String value = request.getHeader(MOUNTS_HEADER);
            if (value == null) {
                value = request.getParameter(MOUNTS_PARAMETER);
            }
            kind = MountCount.kindOf(value);
            mount = kind;
        }
        return kind;
    }

    /**
     * A dispatch an include runs inside: whether its handler was past its last automatic stash when
     * the include started, whether it had failed (an exception handler's view includes), and what puts
     * the bound views back as they were then.
     */
    private record Enclosing(boolean finished, boolean handlerFailed, Runnable rollBack) {
    }

    /**
     * Hands the turns on when the request's asynchronous processing completes, whatever ended it (a
     * result, a timeout, an error, a client that went away): the container calls
     * {@code onComplete} in every case.
     */
    private final class ReleaseOnCompletion implements AsyncListener {

        @Override
        public void onComplete(AsyncEvent event) {
            bound.releaseTurns();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // Spring MVC dispatches or completes; onComplete follows.
        }

        @Override
        public void onError(AsyncEvent event) {
            // onComplete follows.
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this); // a new asynchronous cycle: stay registered
        }
    }
}
