package dev.durablestash.spring.web.reactive.declarations;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;

import dev.durablestash.spring.ViewMigrator;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashReactiveAutoConfiguration;
import dev.durablestash.spring.web.reactive.declarations.routes.RouteView;
import dev.durablestash.spring.web.reactive.declarations.routes.RouteViewRoutes;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On WebFlux, a view that only a functional route recovers is known at startup too: its migrator starts, and
 * one for a name no view has fails startup, naming the nearest view name.
 */
class WebFluxMigratorStartupChecksTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            // The startup failures these tests provoke; each test asserts its failure and the message.
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(WebFluxAutoConfiguration.class,
                    InMemoryStorageAutoConfiguration.class, DurableStashAutoConfiguration.class,
                    DurableStashReactiveAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory")
            .withInitializer((context) -> AutoConfigurationPackages.register(
                    (BeanDefinitionRegistry) context.getBeanFactory(), RouteView.class.getPackageName()))
            .withUserConfiguration(RouteViewRoutes.class);

    @Test
    void aViewMigratorForAViewOnlyAFunctionalRouteRecoversStarts() {
        runner.withBean(ViewMigrator.class, () -> ViewMigrator.of("RouteView", (storedVsn, data) -> data))
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void aViewMigratorForAViewNameNoViewHasFailsStartupNamingTheNearestView() {
        runner.withBean(ViewMigrator.class, () -> ViewMigrator.of("routeViews", (storedVsn, data) -> data))
                .run((context) -> {
                    assertThat(context).hasFailed();
                    Throwable root = context.getStartupFailure();
                    while (root.getCause() != null) {
                        root = root.getCause();
                    }
                    assertThat(root).isInstanceOf(IllegalStateException.class).hasMessageContaining(
                            "is for view 'routeViews', but no view has that name (the nearest is 'RouteView')");
                });
    }
}
