package dev.durablestash.spring.web.reactive.declarations.rvchelper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.durablestash.spring.web.reactive.StashedRoutes;

/** Makes the application's {@link ViewHandlers}. */
@Configuration(proxyBeanMethods = false)
public class ViewHandlersConfiguration {

    @Bean
    ViewHandlers viewHandlers(StashedRoutes stashes) {
        return new ViewHandlers(stashes);
    }
}
