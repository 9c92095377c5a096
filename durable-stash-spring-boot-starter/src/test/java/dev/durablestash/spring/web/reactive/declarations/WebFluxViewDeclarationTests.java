package dev.durablestash.spring.web.reactive.declarations;

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
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashReactiveAutoConfiguration;
import dev.durablestash.spring.web.reactive.declarations.routes.RouteView;
import dev.durablestash.spring.web.reactive.declarations.routes.RouteViewRoutes;
import dev.durablestash.spring.web.reactive.declarations.unused.FluxLeftover;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;

import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/** A WebFlux application whose views would share or drop their state fails startup, naming the class. */
class WebFluxViewDeclarationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            // The startup failures these tests provoke; each test asserts its failure and the message.
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(WebFluxAutoConfiguration.class,
                    InMemoryStorageAutoConfiguration.class, DurableStashAutoConfiguration.class,
                    DurableStashReactiveAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    static class Cart {
        @Stashed
        int items;
    }

    @RestController
    static class BodyController {
        @PostMapping("/cart")
        String add(@RequestBody Cart cart) {
            return "" + cart.items;
        }
    }

    @RestController
    static class OptionalController {
        @PostMapping("/optional")
        String add(java.util.Optional<Cart> cart) {
            return cart.map(c -> "present").orElse("absent");
        }
    }

    @RestController
    static class MonoController {
        @PostMapping("/mono")
        reactor.core.publisher.Mono<String> add(reactor.core.publisher.Mono<Cart> cart) {
            return cart.map(c -> "" + c.items);
        }
    }

    @RestController
    static class BlockingStashController {
        @Stashed
        int count;

        @PostMapping("/count")
        String count(Stash stash) {
            return "" + count;
        }
    }

    @Service
    static class StatefulService {
        @Stashed
        int count;
    }

    @RestController
    static class GoodController {
        @Stashed
        int count;

        @PostMapping("/good")
        String good(Cart cart) {
            return count + "/" + cart.items;
        }
    }

    /** A singleton that holds a view controller: one instance for every browser, never recovered. */
    @Service
    static class ControllerHolder {
        final GoodController controller;

        ControllerHolder(GoodController controller) {
            this.controller = controller;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Good {
        @Bean
        GoodController goodController() {
            return new GoodController();
        }
    }

    @Test
    void aViewClassTakenWithRequestBodyFailsStartup() {
        runner.withBean(BodyController.class).run((context) -> assertThat(context).hasFailed().getFailure()
                .hasMessageContaining(Cart.class.getName()).hasMessageContaining("annotation"));
    }

    @Test
    void aViewClassTakenInsideAnOptionalOrAMonoFailsStartup() {
        runner.withBean(OptionalController.class).run((context) -> assertThat(context).hasFailed().getFailure()
                .hasMessageContaining("java.util.Optional<" + Cart.class.getName() + ">")
                .hasMessageContaining(Cart.class.getName() + ".items")
                .hasMessageContaining("neither recovered nor stashed"));
        runner.withBean(MonoController.class).run((context) -> assertThat(context).hasFailed().getFailure()
                .hasMessageContaining("reactor.core.publisher.Mono<" + Cart.class.getName() + ">")
                .hasMessageContaining(Cart.class.getName() + ".items")
                .hasMessageContaining("neither recovered nor stashed"));
    }

    @Test
    void theBlockingStashHandleFailsStartup() {
        runner.withBean(BlockingStashController.class).run((context) -> assertThat(context).hasFailed().getFailure()
                .hasMessageContaining("ReactiveStash"));
    }

    @Test
    void aBeanWithStashedFieldsThatIsNoControllerFailsStartup() {
        runner.withBean(StatefulService.class).run((context) -> assertThat(context).hasFailed().getFailure()
                .hasMessageContaining(StatefulService.class.getName() + ".count")
                .hasMessageContaining("not a @Controller"));
    }

    @Test
    void aViewControllerAndAStateClassArgumentStart() {
        runner.withUserConfiguration(Good.class).run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(GoodController.class)).as("a fresh instance per lookup")
                    .isNotSameAs(context.getBean(GoodController.class));
        });
    }

    @Test
    void aClassWithStashedFieldsInTheApplicationsPackagesThatNoHandlerOrRouteUsesFailsStartup() {
        runner.withInitializer(context -> AutoConfigurationPackages.register(
                (BeanDefinitionRegistry) context.getBeanFactory(), FluxLeftover.class.getPackageName()))
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasMessageContaining(FluxLeftover.class.getName() + ".count")
                        .hasMessageContaining("never be recovered or stored"));
    }

    @Test
    void aViewThatOnlyAFunctionalRouteRecoversPassesTheScan() {
        runner.withInitializer(context -> AutoConfigurationPackages.register(
                (BeanDefinitionRegistry) context.getBeanFactory(), RouteView.class.getPackageName()))
                .withUserConfiguration(RouteViewRoutes.class)
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aViewControllerInjectedIntoASingletonFailsStartupNamingBothBeans() {
        runner.withUserConfiguration(Good.class).withBean("controllerHolder", ControllerHolder.class)
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasMessageContaining("'goodController'").hasMessageContaining("'controllerHolder'")
                        .hasMessageContaining(GoodController.class.getName() + ".count"));
    }
}
