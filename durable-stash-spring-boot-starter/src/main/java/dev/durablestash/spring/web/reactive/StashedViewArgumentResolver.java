package dev.durablestash.spring.web.reactive;

import org.springframework.core.MethodParameter;
import org.springframework.web.reactive.BindingContext;
import org.springframework.web.reactive.result.method.HandlerMethodArgumentResolver;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.web.BoundViews;
import dev.durablestash.spring.web.StashedViews;

import reactor.core.publisher.Mono;

/**
 * Resolves handler-method parameters of a view state class (a new instance per exchange, made with
 * its no-argument constructor and recovered; {@link StashedViewsHandlerAdapter} has recovered it
 * before the handler) and of type {@link ReactiveStash} (the handle of the handler's view: the
 * controller when it is a view, otherwise the single state-class parameter).
 */
final class StashedViewArgumentResolver implements HandlerMethodArgumentResolver {

    private final StashContext context;

    StashedViewArgumentResolver(StashContext context) {
        this.context = context;
    }

    /** @return {@code true} for a parameter of a view state class without annotations */
    static boolean isStateParameter(MethodParameter parameter) {
        return StashedViews.isStashedView(parameter.getParameterType()) && !parameter.hasParameterAnnotations();
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        Class<?> type = parameter.getParameterType();
        return type == ReactiveStash.class || StashedViews.isStashedView(type);
    }

    @Override
    public Mono<Object> resolveArgument(MethodParameter parameter, BindingContext bindingContext,
            ServerWebExchange exchange) {
        ExchangeViews views = ExchangeViews.of(exchange, context);
        Class<?> type = parameter.getParameterType();
        if (type != ReactiveStash.class) {
            return views.bindState(type).map(BoundViews::target);
        }
        Class<?> controller = parameter.getContainingClass();
        if (StashedViews.isStashedView(controller)) {
            Stash binding = views.find(controller);
            if (binding == null) {
                return Mono.error(new IllegalStateException("View controller " + controller.getName()
                        + " was not recovered before its handler " + parameter.getMethod()));
            }
            return Mono.just(new BindingStash(binding, views));
        }
        return views.bindState(stateParameterType(parameter)).map(binding -> new BindingStash(binding, views));
    }

    private static Class<?> stateParameterType(MethodParameter stashParameter) {
        Class<?> found = null;
        for (int i = 0; i < stashParameter.getExecutable().getParameterCount(); i++) {
            // resolved against the controller: a handler of a generic base class takes V, the view class
            Class<?> type = MethodParameter.forExecutable(stashParameter.getExecutable(), i)
                    .withContainingClass(stashParameter.getContainingClass()).getParameterType();
            if (StashedViews.isStashedView(type)) {
                if (found != null && found != type) {
                    throw new IllegalStateException("a ReactiveStash parameter is ambiguous in "
                            + stashParameter.getExecutable() + ": it takes more than one view state class");
                }
                found = type;
            }
        }
        if (found == null) {
            throw new IllegalStateException("a ReactiveStash parameter needs a view, but neither the controller of "
                    + stashParameter.getExecutable() + " nor any of its parameters is a view (a class with @Stashed "
                    + "fields)");
        }
        return found;
    }
}
