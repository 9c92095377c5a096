package dev.durablestash.spring.web.reactive;

import java.util.Objects;

import org.springframework.web.reactive.function.server.ServerRequest;

import dev.durablestash.spring.web.StashedViews;

import reactor.core.publisher.Mono;

/**
 * Views in WebFlux functional routes ({@code RouterFunction}s), which have no controller to recover:
 * a handler function recovers the view state classes it uses from the {@link ServerRequest}. A bean;
 * inject it where the routes are defined.
 *
 * <pre>{@code
 * Mono<ServerResponse> increment(ServerRequest request) {
 *   return stashes.recover(request, Counter.class)
 *       .flatMap(counter -> {
 *         counter.count++;                       // stashed before the response is committed
 *         return ServerResponse.ok().bodyValue(counter.count);
 *       });
 * }
 * }</pre>
 *
 * <p>As with annotated controllers, a recovered view waits (without blocking) for the browser
 * session's turn at an atomic view, its changed fields are stashed automatically just before the
 * response is committed (a {@code Flux} body by the media type it is written in: a stream as it starts,
 * anything else once it completed; see {@link RouteResponse}), a failed stash answers the failure status,
 * and a handler that fails stashes nothing. An error the route answers itself (the route builder's
 * {@code onError}, a {@code filter} that resumes) never reaches the starter: for it the handler answered, and
 * what it changed before it failed is stashed, as when the handler catches its error. Change a view once the
 * handler can no longer fail, or let the error leave the route (a {@code WebExceptionHandler}, Spring Boot's
 * error handling) to stash nothing. The mount kind comes from the {@code X-Stash-Mounts} header or the
 * {@code _mounts} parameter (of the query, else of a form body). Finding it in a multipart body parses that body: a
 * handler that then reads the raw body ({@code request.body(...)}, {@code bodyToFlux(PartEvent.class)})
 * gets an {@link IllegalStateException}; read the parts ({@code multipartData()}) instead, or send the
 * mount kind in the header or query.
 *
 * <p><b>Thread-safety:</b> thread-safe; the views it returns are bound to one exchange.
 */
public final class StashedRoutes {

    private final StashContext context;

    /** @param integration the WebFlux integration's settings */
    public StashedRoutes(StashedViewsWebFluxConfigurer integration) {
        this.context = Objects.requireNonNull(integration, "integration").context();
    }

    /**
     * Recovers a view state class for this exchange: a new instance (no-argument constructor) on first
     * use, the same instance afterwards.
     *
     * @param request the request, which went through {@link SidWebFilter}
     * @param viewClass a class with {@code @Stashed} fields
     * @param <T> the view class
     * @return a {@code Mono} of the recovered instance; fails with a
     *     {@link dev.durablestash.core.StashTimeoutException} when the turn or the recovery did not come
     *     within the operation timeout, an {@link IllegalArgumentException} if the class is not a view
     */
    public <T> Mono<T> recover(ServerRequest request, Class<T> viewClass) {
        return handle(request, viewClass).map(stash -> viewClass.cast(stash.target()));
    }

    /**
     * @param request the request, which went through {@link SidWebFilter}
     * @param viewClass a class with {@code @Stashed} fields
     * @return a {@code Mono} of the explicit handle of the view, recovering it first if this exchange has
     *     not yet
     */
    public Mono<ReactiveStash> handle(ServerRequest request, Class<?> viewClass) {
        return Mono.defer(() -> {
            if (!StashedViews.isStashedView(viewClass)) {
                return Mono.error(new IllegalArgumentException(viewClass.getName() + " is not a view: it has no "
                        + "@Stashed fields"));
            }
            ExchangeViews views = ExchangeViews.of(request.exchange(), context);
            return views.bindState(viewClass).map(binding -> new BindingStash(binding, views));
        });
    }

    /**
     * Stashes the changes of every view this exchange recovered, now.
     *
     * @param request the request
     * @return a {@code Mono} that completes when they are durable
     */
    public Mono<Void> stash(ServerRequest request) {
        return Mono.defer(() -> {
            ExchangeViews views = ExchangeViews.find(request.exchange());
            return views == null ? Mono.empty() : views.stashBound();
        });
    }
}
