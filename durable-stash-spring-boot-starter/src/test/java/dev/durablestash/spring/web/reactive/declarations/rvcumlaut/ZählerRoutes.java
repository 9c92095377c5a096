package dev.durablestash.spring.web.reactive.declarations.rvcumlaut;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.durablestash.spring.web.reactive.StashedRoutes;

/** The route that recovers {@link Zähler}. */
@Configuration(proxyBeanMethods = false)
public class ZählerRoutes {

    @Bean
    RouterFunction<ServerResponse> zählerRouter(StashedRoutes stashes) {
        return RouterFunctions.route().GET("/zaehler", request -> stashes.recover(request, Zähler.class)
                .flatMap(view -> ServerResponse.ok().bodyValue("count=" + view.count))).build();
    }
}
