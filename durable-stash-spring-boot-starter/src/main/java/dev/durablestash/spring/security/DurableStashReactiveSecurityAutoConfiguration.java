package dev.durablestash.spring.security;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.context.annotation.Bean;
import org.springframework.security.core.context.ReactiveSecurityContextHolder;
import org.springframework.security.web.server.SecurityWebFilterChain;

import dev.durablestash.spring.autoconfigure.DurableStashReactiveAutoConfiguration;
import dev.durablestash.spring.web.reactive.ReactivePrincipalResolver;
import dev.durablestash.spring.web.reactive.SidWebFilter;

/**
 * Auto-configuration of DurableStash with Spring Security WebFlux: binds every browser session to the
 * principal of the reactive security context ({@link ReactiveSecurityContextPrincipalResolver}), so any
 * login, also one that runs no handler of the starter (HTTP Basic, bearer tokens), rotates an
 * anonymous sid, and a sid bound to one user is never used by another. The login and logout handlers
 * are wired into the {@code SecurityWebFilterChain} by the application (Spring Security WebFlux has no
 * login or logout events).
 */
@AutoConfiguration(after = DurableStashReactiveAutoConfiguration.class)
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnClass({ ReactiveSecurityContextHolder.class, SecurityWebFilterChain.class, SidWebFilter.class })
@ConditionalOnBean(SidWebFilter.class)
public final class DurableStashReactiveSecurityAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ReactivePrincipalResolver durableStashReactivePrincipalResolver() {
        return new ReactiveSecurityContextPrincipalResolver();
    }
}
