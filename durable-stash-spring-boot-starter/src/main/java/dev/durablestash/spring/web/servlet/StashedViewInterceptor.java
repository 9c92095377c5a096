package dev.durablestash.spring.web.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.jspecify.annotations.Nullable;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.support.AopUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.ModelAndView;

import dev.durablestash.spring.web.StashedViews;

/**
 * Recovers a view controller (one with {@code @Stashed} fields) before its handler runs (waiting for the session's
 * turn at an atomic view first), and stashes every bound view in {@code postHandle} (after the
 * handler, before the view renders), then hands the request's turns on. For handlers with a return
 * value, {@link StashingReturnValueHandler} has usually stashed already; this catches the handlers
 * Spring MVC gives no return-value step (for example {@code void} ones that take the response). A
 * handler that throws stashes nothing; its turns are handed on when the request ends
 * ({@link SidFilter}).
 */
final class StashedViewInterceptor implements HandlerInterceptor {

    private final StashContext context;

    StashedViewInterceptor(StashContext context) {
        this.context = context;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws Exception {
        RequestViews earlier = RequestViews.find(request); // bound by a handler this one is forwarded from
        if (earlier != null) {
            earlier.handlerStarting(request);
        }
        if (handler instanceof HandlerMethod method && !(method.getBean() instanceof String)
                && StashedViews.isStashedView(method.getBeanType())) {
            RequestViews.of(request, context).bind(unwrap(method.getBean()));
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
            rv.finish(); // the last automatic stash: the view renders without holding the turn
        }
    }
}
