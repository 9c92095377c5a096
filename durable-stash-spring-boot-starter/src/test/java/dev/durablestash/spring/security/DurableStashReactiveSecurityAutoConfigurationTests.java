package dev.durablestash.spring.security;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.security.web.server.SecurityWebFilterChain;

import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashReactiveAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.spring.web.reactive.ReactivePrincipalResolver;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;

import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

class DurableStashReactiveSecurityAutoConfigurationTests {

    private static final AutoConfigurations ALL = AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
            DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
            DurableStashReactiveAutoConfiguration.class, DurableStashReactiveSecurityAutoConfiguration.class);

    private final ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner()
            .withConfiguration(ALL).withPropertyValues("durable-stash.storage.type=memory");

    @Test
    void withSpringSecurityWebFluxTheBrowserSessionIsBoundToThePrincipalOfTheReactiveSecurityContext() {
        reactive.run((context) -> assertThat(context).hasNotFailed().getBean(ReactivePrincipalResolver.class)
                .isInstanceOf(ReactiveSecurityContextPrincipalResolver.class));
    }

    @Test
    void theResolverBacksOffWhenTheApplicationDefinesOne() {
        ReactivePrincipalResolver custom = (exchange) -> Mono.just("someone");
        reactive.withBean(ReactivePrincipalResolver.class, () -> custom).run((context) -> assertThat(context)
                .hasNotFailed().getBean(ReactivePrincipalResolver.class).isSameAs(custom));
    }

    @Test
    void withoutSpringSecurityWebFluxThereIsNoResolverBean() {
        reactive.withClassLoader(new FilteredClassLoader(SecurityWebFilterChain.class)).run((context) -> assertThat(context)
                .hasNotFailed().doesNotHaveBean(ReactivePrincipalResolver.class));
    }

    @Test
    void aServletApplicationGetsNoReactiveResolver() {
        new WebApplicationContextRunner().withConfiguration(ALL).withPropertyValues("durable-stash.storage.type=memory")
                .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(ReactivePrincipalResolver.class));
    }
}
