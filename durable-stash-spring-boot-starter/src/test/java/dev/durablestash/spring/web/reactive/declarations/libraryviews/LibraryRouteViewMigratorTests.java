package dev.durablestash.spring.web.reactive.declarations.libraryviews;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.ViewMigrator;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashReactiveAutoConfiguration;
import dev.durablestash.spring.web.reactive.StashedRoutes;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A shared UI library (this package) defines a view that its own functional route recovers, and registers the
 * view's migrator, made from the class. The application's packages (registered as Spring Boot does for the
 * {@code @SpringBootApplication} class) do not include the library's: the migrator is for a real view, and
 * the application starts.
 */
class LibraryRouteViewMigratorTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    /** The library's view: only its functional route recovers it. */
    public static class SharedCart {

        @Stashed int items;
    }

    /** The library's routes and migrator (as its auto-configuration would register them). */
    @Configuration(proxyBeanMethods = false)
    public static class SharedUiConfiguration {

        @Bean
        RouterFunction<ServerResponse> sharedCartRouter(StashedRoutes stashes) {
            return RouterFunctions.route().GET("/shared/cart", request -> stashes.recover(request, SharedCart.class)
                    .flatMap(cart -> ServerResponse.ok().bodyValue("items=" + cart.items))).build();
        }

        @Bean
        ViewMigrator sharedCartMigrator() {
            return ViewMigrator.of(SharedCart.class, (storedVsn, data) -> data);
        }
    }

    private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(WebFluxAutoConfiguration.class,
                    InMemoryStorageAutoConfiguration.class, DurableStashAutoConfiguration.class,
                    DurableStashReactiveAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory")
            // The application's own package, which holds none of the library's classes.
            .withInitializer((context) -> AutoConfigurationPackages.register(
                    (BeanDefinitionRegistry) context.getBeanFactory(),
                    LibraryRouteViewMigratorTests.class.getPackageName() + ".app"))
            .withUserConfiguration(SharedUiConfiguration.class);

    @Test
    void aLibraryViewRecoveredByTheLibrarysFunctionalRouteKeepsItsMigrator() {
        runner.run((context) -> assertThat(context).hasNotFailed());
    }
}
