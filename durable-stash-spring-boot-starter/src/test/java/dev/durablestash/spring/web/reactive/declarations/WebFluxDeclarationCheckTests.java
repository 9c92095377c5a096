package dev.durablestash.spring.web.reactive.declarations;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashReactiveAutoConfiguration;
import dev.durablestash.spring.web.reactive.declarations.rvchelper.HelperView;
import dev.durablestash.spring.web.reactive.declarations.rvchelper.HelperViewRoutes;
import dev.durablestash.spring.web.reactive.declarations.rvchelper.ViewHandlersConfiguration;
import dev.durablestash.spring.web.reactive.declarations.rvcumlaut.ZählerRoutes;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

/** The WebFlux startup checks: views that are used, and view controllers held by singletons. */
class WebFluxDeclarationCheckTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(WebFluxAutoConfiguration.class,
                    InMemoryStorageAutoConfiguration.class, DurableStashAutoConfiguration.class,
                    DurableStashReactiveAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @RestController
    static class LazyController {
        @Stashed
        int count;

        @PostMapping("/lazy")
        String count() {
            return "" + count;
        }

        int increment() {
            return ++count;
        }
    }

    /** Holds the view controller through a lazy-resolution proxy: every call makes another instance. */
    @Service
    static class LazyHolder {
        final LazyController controller;

        LazyHolder(@Lazy LazyController controller) {
            this.controller = controller;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class LazyApp {
        @Bean
        LazyController lazyController() {
            return new LazyController();
        }
    }

    @Test
    void aViewOnlyAFunctionalRouteRecoversPassesTheScanWhateverItsName() {
        runner.withInitializer(context -> AutoConfigurationPackages.register(
                (BeanDefinitionRegistry) context.getBeanFactory(), ZählerRoutes.class.getPackageName()))
                .withUserConfiguration(ZählerRoutes.class)
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aViewThatAFunctionalRouteRecoversThroughTheApplicationsOwnHelperPassesTheScan() {
        runner.withInitializer(context -> AutoConfigurationPackages.register(
                (BeanDefinitionRegistry) context.getBeanFactory(), HelperView.class.getPackageName()))
                .withUserConfiguration(ViewHandlersConfiguration.class, HelperViewRoutes.class)
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aViewControllerInjectedLazilyIntoASingletonFailsStartupAsAnInjectedOneDoes() {
        runner.withUserConfiguration(LazyApp.class).withBean("lazyHolder", LazyHolder.class).run(context -> {
            if (context.getStartupFailure() == null) {
                LazyHolder holder = context.getBean(LazyHolder.class);
                assertThat(holder.controller.increment() + holder.controller.increment())
                        .as("each call through the @Lazy proxy reaches another, never-recovered instance")
                        .isEqualTo(2);
            }
            assertThat(context).hasFailed().getFailure().hasMessageContaining("'lazyController'")
                    .hasMessageContaining("'lazyHolder'");
        });
    }
}
