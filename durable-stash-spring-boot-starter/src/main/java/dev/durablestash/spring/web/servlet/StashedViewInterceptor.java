package dev.durablestash.spring.web.servlet;

import java.util.List;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.jspecify.annotations.Nullable;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.support.AopUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.AsyncHandlerInterceptor;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.view.InternalResourceView;
import org.springframework.web.servlet.view.UrlBasedViewResolver;

import dev.durablestash.spring.web.StashedViews;

/**
 * Recovers a view controller (one with {@code @Stashed} fields) before its handler runs (waiting for the session's
 * turn at an atomic view first; a handler that binds two or more views, its controller, its arguments and
 * those of the {@code @ModelAttribute} methods run before it and of its {@code @InitBinder} methods
 * ({@link HandlerViews}), first takes their turns in one order), and stashes every bound view in
 * {@code postHandle} (after the handler, before the view renders), then hands the request's turns on,
 * unless the view forwards
 * the request, also a view name the view resolvers render by a forward (the handler the forward
 * reaches hands them on). For handlers with a return
 * value, {@link StashingReturnValueHandler} has usually stashed already; this catches the handlers
 * Spring MVC gives no return-value step (for example {@code void} ones that take the response). A
 * handler that throws stashes nothing; its turns are handed on when the request ends
 * ({@link SidFilter}). The handler of an include ({@code RequestDispatcher.include}) is stashed so
 * too, but the request's turns stay held while the handler that included it runs on; that handler
 * is stashed again when it returns ({@link RequestViews#handlerStarting}, {@link #afterCompletion}).
 * An included handler that throws leaves the views as it found them, so that the including handler's
 * stash does not store its changes.
 */
final class StashedViewInterceptor implements AsyncHandlerInterceptor {

    private final StashContext context;
    private final ForwardingViewNames forwardingViewNames = new ForwardingViewNames();
    private final HandlerViews handlerViews = new HandlerViews();

    StashedViewInterceptor(StashContext context) {
        this.context = context;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws Exception {
        RequestViews earlier = RequestViews.find(request); // bound by a handler that forwards or includes
        if (earlier != null) {
            earlier.handlerStarting(request);
        }
        try {
            if (handler instanceof HandlerMethod method) {
                List<Class<?>> views = handlerViews.of(method, request);
                if (views.size() > 1) { // one view takes its turn as it is bound
                    RequestViews.of(request, context).takeTurns(views);
                }
                if (!(method.getBean() instanceof String) && StashedViews.isStashedView(method.getBeanType())) {
                    RequestViews.of(request, context).bind(unwrap(method.getBean()));
                }
            }
        } catch (Exception | Error e) {
            includeEnded(request); // a preHandle that throws gets no afterCompletion
            throw e;
        }
        return true;
    }

    /**
     * The object whose fields the handler method really uses: the target behind an AOP or scoped
     * proxy (a proxy's own fields are never touched by the handler).
     */
    private static Object unwrap(Object bean) throws Exception {
        Object current = bean;
        while (AopUtils.isAopProxy(current) && current instanceof Advised advised) {
            Object target = advised.getTargetSource().getTarget();
            if (target == null || target == current) {
                break;
            }
            current = target;
        }
        return current;
    }

    @Override
    public void postHandle(HttpServletRequest request, HttpServletResponse response, Object handler,
            @Nullable ModelAndView modelAndView) {
        RequestViews rv = RequestViews.find(request);
        if (rv == null) {
            return;
        }
        try {
            if (response.isCommitted()) {
                rv.reportUnstashed("the handler committed the response before they could be stashed; call "
                        + "Stash.stashNow() before writing to the response");
            } else {
                rv.stashAll();
            }
        } finally {
            if (forwards(rv, request, modelAndView)) {
                rv.finishBeforeForward(); // the handler the forward reaches hands the turns on
            } else {
                rv.finish(); // the last automatic stash: the view renders without holding the turn
            }
        }
    }

    /**
     * Whether the view about to render forwards the request, possibly to another handler that changes
     * the same views: a {@code forward:} view name, an {@link InternalResourceView}, or a view name
     * that the application's view resolvers turn into one ({@link ForwardingViewNames}: Spring Boot's
     * default {@code InternalResourceViewResolver} does with every name when the application has no
     * template engine). An {@code InternalResourceView} includes instead within an include or on a
     * committed response, and one that forwards to a page (a JSP) reaches no handler: the turns are
     * then held longer than needed, never shorter. A name is resolved only while the request's stash
     * has not failed (a failed one has handed the turns on).
     */
    private boolean forwards(RequestViews rv, HttpServletRequest request, @Nullable ModelAndView modelAndView) {
        if (modelAndView == null) {
            return false;
        }
        String name = modelAndView.getViewName();
        if (name == null) {
            return modelAndView.getView() instanceof InternalResourceView;
        }
        if (name.startsWith(UrlBasedViewResolver.FORWARD_URL_PREFIX)) {
            return true;
        }
        return !name.startsWith(UrlBasedViewResolver.REDIRECT_URL_PREFIX) && rv.active()
                && forwardingViewNames.forwards(name, request);
    }

    /**
     * The handler continues asynchronously: the turns of views it does not bind (those of the handlers
     * before a forward to it, stashed before the forward) are handed on now, not when its result is
     * stashed ({@link RequestViews#concurrentHandlingStarted()}).
     */
    @Override
    public void afterConcurrentHandlingStarted(HttpServletRequest request, HttpServletResponse response,
            Object handler) {
        RequestViews rv = RequestViews.find(request);
        if (rv != null) {
            rv.concurrentHandlingStarted();
        }
    }

    @Override
    public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler,
            @Nullable Exception ex) {
        includeEnded(request);
    }

    /**
     * At the end of an include dispatch: the including handler goes on, or the views bound within the
     * include hand their turns on (see {@link RequestViews#includeEnded()}).
     */
    private static void includeEnded(HttpServletRequest request) {
        if (request.getDispatcherType() == DispatcherType.INCLUDE) {
            RequestViews rv = RequestViews.find(request);
            if (rv != null) {
                rv.includeEnded();
            }
        }
    }
}
