package dev.durablestash.spring.web.reactive.declarations.rvchelper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Routes that recover {@link HelperView} through the application's {@link ViewHandlers}. */
@Configuration(proxyBeanMethods = false)
public class HelperViewRoutes {

    @Bean
    RouterFunction<ServerResponse> helperViewRouter(ViewHandlers handlers) {
        return RouterFunctions.route().GET("/helper-view", handlers.show(HelperView.class, v -> "count=" + v.count))
                .build();
    }
}
