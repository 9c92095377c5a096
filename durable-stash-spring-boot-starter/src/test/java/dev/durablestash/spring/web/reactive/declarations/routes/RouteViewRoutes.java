package dev.durablestash.spring.web.reactive.declarations.routes;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.durablestash.spring.web.reactive.StashedRoutes;

/** The route that recovers {@link RouteView}: no handler method takes it. */
@Configuration(proxyBeanMethods = false)
public class RouteViewRoutes {

    @Bean
    RouterFunction<ServerResponse> routeViewRouter(StashedRoutes stashes) {
        return RouterFunctions.route().GET("/route-view", request -> stashes.recover(request, RouteView.class)
                .flatMap(view -> ServerResponse.ok().bodyValue("count=" + view.count))).build();
    }
}
