package dev.durablestash.spring.web.servlet;

import jakarta.servlet.http.HttpServletRequest;

import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.web.BoundViews;
import dev.durablestash.spring.web.StashedViews;

/**
 * Resolves handler-method parameters of a view state class (a class with {@code @Stashed} fields or
 * {@code @StashedView}: a new instance per request, made with its no-argument constructor and
 * recovered) and of type {@link Stash} (the handle of the handler's view: the controller when it is a
 * view, otherwise the single state-class parameter).
 */
final class StashedViewArgumentResolver implements HandlerMethodArgumentResolver {

    private final StashContext context;

    StashedViewArgumentResolver(StashContext context) {
        this.context = context;
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        Class<?> type = parameter.getParameterType();
        return type == Stash.class || StashedViews.isStashedView(type);
    }

    @Override
    public Object resolveArgument(MethodParameter parameter, @Nullable ModelAndViewContainer mavContainer,
            NativeWebRequest webRequest, @Nullable WebDataBinderFactory binderFactory) {
        HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
        if (request == null) {
            throw new IllegalStateException("DurableStash needs a servlet request for " + parameter);
        }
        RequestViews rv = RequestViews.of(request, context);
        Class<?> type = parameter.getParameterType();
        if (type != Stash.class) {
            return BoundViews.target(rv.bindState(type));
        }
        Class<?> controller = parameter.getContainingClass();
        if (StashedViews.isStashedView(controller)) {
            var binding = rv.find(controller);
            if (binding == null) {
                throw new IllegalStateException("View controller " + controller.getName()
                        + " was not recovered before its handler " + parameter.getMethod());
            }
            return binding;
        }
        return rv.bindState(stateParameterType(parameter));
    }

    private static Class<?> stateParameterType(MethodParameter stashParameter) {
        Class<?> found = null;
        for (int i = 0; i < stashParameter.getExecutable().getParameterCount(); i++) {
            // resolved against the controller: a handler of a generic base class takes V, the view class
            Class<?> type = MethodParameter.forExecutable(stashParameter.getExecutable(), i)
                    .withContainingClass(stashParameter.getContainingClass()).getParameterType();
            if (StashedViews.isStashedView(type)) {
                if (found != null && found != type) {
                    throw new IllegalStateException("a Stash parameter is ambiguous in " + stashParameter.getExecutable()
                            + ": it takes more than one view state class");
                }
                found = type;
            }
        }
        if (found == null) {
            throw new IllegalStateException("a Stash parameter needs a view, but neither the controller of "
                    + stashParameter.getExecutable() + " nor any of its parameters is a view (a class with @Stashed "
                    + "fields)");
        }
        return found;
    }
}
