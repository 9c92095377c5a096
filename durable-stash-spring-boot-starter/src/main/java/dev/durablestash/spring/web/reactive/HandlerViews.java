package dev.durablestash.spring.web.reactive;

import java.util.List;

import org.springframework.web.method.HandlerMethod;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.spring.web.HandlerMethodViews;

/**
 * The views an annotated WebFlux handler method binds before its body runs ({@link HandlerMethodViews}):
 * its controller, when it is a view, its own view arguments (those {@link StashedViewArgumentResolver}
 * takes), and the view arguments of the {@code @ModelAttribute} methods WebFlux invokes before it (and
 * of its {@code @InitBinder} methods, which WebFlux cannot resolve: {@link StashedViewsWebFluxVerifier}
 * refuses them at startup). The advice beans are those of the exchange's application context
 * ({@link ServerWebExchange#getApplicationContext()}, the one WebFlux's adapter finds them in at startup
 * when the application's {@code HttpHandler} is built from it, as Spring Boot builds it).
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
final class HandlerViews {

    private final HandlerMethodViews views = new HandlerMethodViews(StashedViewArgumentResolver::isStateParameter);

    /**
     * @param method the handler method, its bean resolved or not
     * @param exchange the exchange it handles, which names the application context of its advice beans
     * @return the classes of the views the handler binds before its body runs, each once, in no particular
     *     order; empty when it binds none
     */
    List<Class<?>> of(HandlerMethod method, ServerWebExchange exchange) {
        return views.of(method, exchange.getApplicationContext());
    }
}
