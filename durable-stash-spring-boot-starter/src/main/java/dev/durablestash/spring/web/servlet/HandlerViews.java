package dev.durablestash.spring.web.servlet;

import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.support.RequestContextUtils;

import dev.durablestash.spring.web.HandlerMethodViews;
import dev.durablestash.spring.web.StashedViews;

/**
 * The views a Spring MVC handler method binds ({@link HandlerMethodViews}): its controller, when it is a
 * view, the view arguments of the {@code @ModelAttribute} methods Spring MVC invokes before it and of the
 * {@code @InitBinder} methods it invokes whenever it makes a data binder for it (with the starter's
 * resolver among theirs), and its own arguments whose type is a view. The advice beans are those of the
 * dispatcher's application context ({@link RequestContextUtils#findWebApplicationContext}).
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
final class HandlerViews {

    private final HandlerMethodViews views = new HandlerMethodViews(
            (parameter) -> StashedViews.isStashedView(parameter.getParameterType()));

    /**
     * @param method the handler method, its bean resolved or not
     * @param request the request it handles, which names the application context of its advice beans
     * @return the classes of the views the handler binds, each once, in no particular order
     */
    List<Class<?>> of(HandlerMethod method, HttpServletRequest request) {
        return views.of(method, RequestContextUtils.findWebApplicationContext(request));
    }
}
