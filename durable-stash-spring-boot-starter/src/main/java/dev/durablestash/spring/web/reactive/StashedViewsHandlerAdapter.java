package dev.durablestash.spring.web.reactive;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import org.springframework.aop.framework.Advised;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.MethodParameter;
import org.springframework.core.Ordered;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.http.HttpEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.DispatchExceptionHandler;
import org.springframework.web.reactive.HandlerAdapter;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.HandlerResult;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.function.server.support.HandlerFunctionAdapter;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.spring.web.StashedViews;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Recovers the views of an annotated-controller handler before WebFlux's
 * {@link RequestMappingHandlerAdapter} invokes it: the controller when it is a view (one with
 * {@code @Stashed} fields; WebFlux resolves a fresh instance of it for each exchange, see
 * {@link PerExchangeControllers}), then the view state classes it takes as arguments, left to right,
 * each after waiting without blocking for the browser session's turn at an atomic view. A handler that
 * binds two or more views, counting those its {@code @ModelAttribute} methods take as arguments (the
 * controller's and those of the {@code @ControllerAdvice} beans that apply to it: {@link HandlerViews}),
 * first waits for all their turns, in the order of the views' names. The changes are stashed just
 * before the response is committed ({@link ExchangeViews}). A handler that returns a multi-value body
 * (a multi-value publisher such as a {@code Flux}, also as a {@code ResponseEntity}'s body, bare or
 * produced by a {@code Mono}) is stashed by the media type it is written in
 * ({@link MultiValueBodies}): as a stream (server-sent events, JSON lines, text), when the body
 * starts, before it is subscribed, and its turns are handed on, as on Spring MVC: an open stream, also
 * one waiting for its first element, holds no turn; otherwise (a JSON array) once the body completed,
 * before the response is committed, with what it changed while it was produced.
 *
 * <p>It comes first among the handler adapters and hands every {@link HandlerMethod} on to the
 * {@code RequestMappingHandlerAdapter}, and every functional route's {@link HandlerFunction} on to a
 * {@link HandlerFunctionAdapter}: the {@code ServerResponse} of a route that bound views writes its
 * body as an annotated handler's ({@link RouteResponse}). An annotated handler's recovery failures (a
 * turn or a recover past its deadline) are answered with the failure status here, before the
 * application's {@code @ExceptionHandler}s could see them; so are failed stashes at commit time. A
 * handler that failed, or whose error an {@code @ExceptionHandler} answered, stashes nothing.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class StashedViewsHandlerAdapter implements HandlerAdapter, DispatchExceptionHandler, Ordered {

    private final StashContext context;
    private final Supplier<RequestMappingHandlerAdapter> delegate;
    /** WebFlux's adapter of functional routes' handler functions; stateless. */
    private final HandlerFunctionAdapter functions = new HandlerFunctionAdapter();
    private final HandlerViews handlerViews = new HandlerViews();

    StashedViewsHandlerAdapter(StashContext context, Supplier<RequestMappingHandlerAdapter> delegate) {
        this.context = context;
        this.delegate = delegate;
    }

    /**
     * @param integration the WebFlux integration's settings
     * @param delegate WebFlux's adapter of annotated controllers, looked up on first use
     */
    public StashedViewsHandlerAdapter(StashedViewsWebFluxConfigurer integration,
            Supplier<RequestMappingHandlerAdapter> delegate) {
        this(Objects.requireNonNull(integration, "integration").context(), Objects.requireNonNull(delegate,
                "delegate"));
    }

    @Override
    public boolean supports(Object handler) {
        return handler instanceof HandlerMethod || handler instanceof HandlerFunction<?>;
    }

    @Override
    public Mono<HandlerResult> handle(ServerWebExchange exchange, Object handler) {
        if (handler instanceof HandlerFunction<?>) {
            return functions.handle(exchange, handler).map(result -> withRouteResponse(result, exchange))
                    .doOnError(e -> routeFailed(exchange));
        }
        HandlerMethod method = (HandlerMethod) handler;
        List<Class<?>> viewClasses = handlerViews.of(method, exchange);
        if (viewClasses.isEmpty() && !takesStash(method)) {
            return delegate.get().handle(exchange, handler);
        }
        ExchangeViews views = ExchangeViews.of(exchange, context);
        if (readsBody(method)) {
            views.handlerReadsBody();
        }
        Mono<Void> bound = Mono.empty();
        if (viewClasses.size() > 1) { // one view takes its turn as it is bound
            bound = views.takeTurns(viewClasses);
        }
        Object bean = method.getBean();
        if (!(bean instanceof String) && StashedViews.isStashedView(method.getBeanType())) {
            bound = bound.then(views.bind(unwrap(bean)).then());
        }
        bound = bound.then(Flux.fromArray(method.getMethodParameters())
                .filter(StashedViewArgumentResolver::isStateParameter)
                .concatMap(parameter -> views.bindState(parameter.getParameterType()))
                .then());
        return bound.then(Mono.defer(() -> delegate.get().handle(exchange, handler)))
                .flatMap(result -> {
                    Throwable failure = views.stashFailure();
                    if (failure != null) { // the handler's own stash failed, whatever answered it
                        return StashFailures.answer(exchange, failure, context.failureStatus()).then(Mono.empty());
                    }
                    if (!(result.getHandler() instanceof HandlerMethod invoked)
                            || !invoked.getMethod().equals(method.getMethod())) {
                        views.handlerFailed(); // an @ExceptionHandler answered instead of the handler
                        return Mono.just(result);
                    }
                    return Mono.just(withMultiValueBody(result, views));
                })
                .map(result -> {
                    DispatchExceptionHandler resultErrors = result.getExceptionHandler();
                    return result.setExceptionHandler((exchange2, ex) -> {
                        if (StashFailures.isStashFailure(ex)) {
                            return StashFailures.answer(exchange2, ex, context.failureStatus()).then(Mono.empty());
                        }
                        views.handlerFailed();
                        return resultErrors != null ? resultErrors.handleError(exchange2, ex) : Mono.error(ex);
                    });
                })
                .doOnError(e -> views.handlerFailed());
    }

    /**
     * Answers a failed recover or stash of an annotated handler with the failure status, before any
     * application exception handler. A functional route's error goes on as it would without this adapter
     * (to {@link ReactiveStashExceptionHandler}).
     */
    @Override
    public Mono<HandlerResult> handleError(ServerWebExchange exchange, Throwable ex) {
        if (exchange.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE) instanceof HandlerFunction<?>) {
            routeFailed(exchange);
            return Mono.error(ex);
        }
        if (StashFailures.isStashFailure(ex)) {
            return StashFailures.answer(exchange, ex, context.failureStatus()).then(Mono.empty());
        }
        ExchangeViews views = ExchangeViews.find(exchange);
        if (views != null) {
            views.handlerFailed(); // whatever answers this error, it stashes nothing
        }
        return Mono.error(ex);
    }

    /**
     * A functional route's handler failed: it stashes nothing, also when what answers its error (a
     * {@code WebExceptionHandler} ahead of {@link ReactiveStashExceptionHandler}) stashes.
     */
    private static void routeFailed(ServerWebExchange exchange) {
        ExchangeViews views = ExchangeViews.find(exchange);
        if (views != null) {
            views.handlerFailed();
        }
    }

    /**
     * @return the result, or, when the handler returned a multi-value body (a multi-value publisher such
     *     as a {@code Flux}, by the adapter's {@link ReactiveAdapterRegistry}, as its return value, as the
     *     body of the {@code HttpEntity} it returned, or as the body of the {@code HttpEntity} a {@code Mono}
     *     it returned produces), a copy whose body the views stash as it starts if it is written as a
     *     stream, or once it completed otherwise ({@link ExchangeViews#multiValueBody})
     */
    private HandlerResult withMultiValueBody(HandlerResult result, ExchangeViews views) {
        Object replaced = MultiValueBodies.replaceBody(result.getReturnValue(), result.getReturnType(),
                delegate.get().getReactiveAdapterRegistry(), views::multiValueBody);
        if (replaced == null) {
            return result;
        }
        HandlerResult copy = new HandlerResult(result.getHandler(), replaced, result.getReturnTypeSource(),
                result.getBindingContext());
        DispatchExceptionHandler errors = result.getExceptionHandler();
        return errors == null ? copy : copy.setExceptionHandler(errors);
    }

    /**
     * @return the result of a functional route, its {@code ServerResponse} {@linkplain RouteResponse
     *     decorated} when the route bound views, so that a streaming body is stashed as it starts and a
     *     multi-value one written otherwise once it completed, as an annotated handler's
     */
    private HandlerResult withRouteResponse(HandlerResult result, ServerWebExchange exchange) {
        if (!(result.getReturnValue() instanceof ServerResponse response)) {
            return result;
        }
        ServerResponse decorated = RouteResponse.of(response, exchange, delegate.get().getReactiveAdapterRegistry());
        return decorated == response ? result
                : new HandlerResult(result.getHandler(), decorated, result.getReturnTypeSource());
    }

    /** @return {@code true} if the handler takes a {@link ReactiveStash} */
    private static boolean takesStash(HandlerMethod method) {
        for (MethodParameter parameter : method.getMethodParameters()) {
            if (parameter.getParameterType() == ReactiveStash.class) {
                return true;
            }
        }
        return false;
    }

    /**
     * @return {@code true} if the handler may read the raw request body: a {@code @RequestBody},
     *     {@code HttpEntity} or {@code ServerHttpRequest} parameter
     */
    private static boolean readsBody(HandlerMethod method) {
        for (MethodParameter parameter : method.getMethodParameters()) {
            if (parameter.hasParameterAnnotation(RequestBody.class)
                    || HttpEntity.class.isAssignableFrom(parameter.getParameterType())
                    || ServerHttpRequest.class.isAssignableFrom(parameter.getParameterType())) {
                return true;
            }
        }
        return false;
    }

    /** The object whose fields the handler method really uses: the target behind an AOP proxy. */
    private static Object unwrap(Object bean) {
        Object current = bean;
        try {
            while (AopUtils.isAopProxy(current) && current instanceof Advised advised) {
                Object target = advised.getTargetSource().getTarget();
                if (target == null || target == current) {
                    break;
                }
                current = target;
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot find the target of the controller proxy " + bean, e);
        }
        return current;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 10;
    }
}
