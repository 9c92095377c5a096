package dev.durablestash.spring.web.reactive.declarations;

import java.util.Optional;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableReactiveWebApplicationContext;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.ui.Model;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.InitBinder;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashReactiveAutoConfiguration;
import dev.durablestash.spring.web.reactive.ReactiveStash;
import dev.durablestash.spring.web.reactive.declarations.advised.PageController;
import dev.durablestash.spring.web.reactive.declarations.advised.PreferencesAdvice;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WebFlux invokes a handler's {@code @ModelAttribute} methods (the controller's and those of the
 * {@code @ControllerAdvice} beans that apply to it) before the handler, with argument resolvers as it does
 * the handler: a view parameter they take with an annotation, inside another type or without a no-argument
 * constructor, and a {@code ReactiveStash} without a view or a blocking {@code Stash}, fail startup as on a
 * handler, naming the method (and the advice bean). An {@code @InitBinder} method cannot take a view or a
 * {@code ReactiveStash} at all: WebFlux resolves its arguments only with synchronous resolvers, and would
 * fail every exchange that makes a data binder.
 */
class WebFluxModelAttributeAndInitBinderStartupChecksTests {

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

    @Test
    void aViewTakenInsideAnOptionalByAControllersModelAttributeMethodFailsStartupNamingTheMethod() {
        runner.withBean(OptionalAttributeController.class).run((context) -> assertFailedNaming(context,
                "@ModelAttribute method " + OptionalAttributeController.class.getName() + "#common(Model, Optional)",
                "java.util.Optional<" + Cart.class.getName() + ">", Cart.class.getName() + ".items",
                "neither recovered nor stashed"));
    }

    @Test
    void aViewTakenInsideAMonoByAnAdviceBeansModelAttributeMethodFailsStartupNamingTheAdviceBean() {
        runner.withBean(PlainController.class).withBean("monoAdvice", MonoAdvice.class)
                .run((context) -> assertFailedNaming(context, "@ModelAttribute method "
                        + MonoAdvice.class.getName() + "#items(Mono) of @ControllerAdvice bean 'monoAdvice'",
                        "reactor.core.publisher.Mono<" + Cart.class.getName() + ">", Cart.class.getName() + ".items"));
    }

    @Test
    void anAdviceBeanThatAppliesToNoControllerIsNotChecked() {
        runner.withBean(PlainController.class).withBean("elsewhereAdvice", AdviceForAnotherController.class)
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void aViewTakenWithAnAnnotationByAModelAttributeMethodFailsStartup() {
        runner.withBean(BodyAttributeController.class).run((context) -> assertFailedNaming(context,
                "@ModelAttribute method " + BodyAttributeController.class.getName() + "#fromBody(Cart)",
                Cart.class.getName(), "annotation"));
    }

    @Test
    void aViewWithoutANoArgumentConstructorTakenByAModelAttributeMethodFailsStartup() {
        runner.withBean(NoDefaultConstructorAttributeController.class).run((context) -> assertFailedNaming(context,
                NoDefaultConstructor.class.getName(), "no-argument constructor", "@ModelAttribute method "
                        + NoDefaultConstructorAttributeController.class.getName()));
    }

    @Test
    void aReactiveStashParameterOfAModelAttributeMethodWithoutAViewFailsStartup() {
        runner.withBean(StashAttributeController.class).run((context) -> assertFailedNaming(context,
                "@ModelAttribute method " + StashAttributeController.class.getName() + "#attribute(ReactiveStash)",
                "ReactiveStash parameter", "neither"));
    }

    @Test
    void aBlockingStashParameterOfAModelAttributeMethodFailsStartup() {
        runner.withBean(BlockingStashAttributeController.class).run((context) -> assertFailedNaming(context,
                "@ModelAttribute method " + BlockingStashAttributeController.class.getName()
                        + "#attribute(Stash, Cart)", "event-loop", "ReactiveStash"));
    }

    @Test
    void aViewTakenByAnInitBinderMethodFailsStartup() {
        runner.withBean(ViewBinderController.class).run((context) -> assertFailedNaming(context,
                "@InitBinder method " + ViewBinderController.class.getName() + "#init(WebDataBinder, Cart)",
                Cart.class.getName(), "@InitBinder"));
    }

    @Test
    void aReactiveStashTakenByAnAdviceBeansInitBinderMethodFailsStartupNamingTheAdviceBean() {
        runner.withBean(PlainController.class).withBean("stashBinderAdvice", StashBinderAdvice.class)
                .run((context) -> assertFailedNaming(context, "@InitBinder method "
                        + StashBinderAdvice.class.getName() + "#init(WebDataBinder, ReactiveStash) of "
                        + "@ControllerAdvice bean 'stashBinderAdvice'", "ReactiveStash"));
    }

    @Test
    void viewsOnlyModelAttributeMethodsTakeAreUsedAndPassTheScan() {
        runner.withInitializer((context) -> AutoConfigurationPackages.register(
                (BeanDefinitionRegistry) context.getBeanFactory(), PageController.class.getPackageName()))
                .withBean(PageController.class).withBean(PreferencesAdvice.class)
                .run((context) -> assertThat(context).hasNotFailed());
    }

    private static void assertFailedNaming(AssertableReactiveWebApplicationContext context, String... parts) {
        assertThat(context).hasFailed();
        Throwable root = context.getStartupFailure();
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        assertThat(root).isInstanceOf(IllegalStateException.class);
        assertThat(root.getMessage()).contains(parts);
    }

    static class Cart {
        @Stashed
        int items;
    }

    static class NoDefaultConstructor {
        @Stashed
        String value;

        NoDefaultConstructor(String value) {
            this.value = value;
        }
    }

    @RestController
    static class PlainController {
        @GetMapping("/plain")
        String show() {
            return "plain";
        }
    }

    @RestController
    static class OptionalAttributeController {
        @ModelAttribute
        void common(Model model, Optional<Cart> cart) {
            model.addAttribute("items", cart.map((c) -> c.items).orElse(0));
        }

        @GetMapping("/optional-attribute")
        String show(Model model) {
            return String.valueOf(model.getAttribute("items"));
        }
    }

    @ControllerAdvice
    static class MonoAdvice {
        @ModelAttribute("items")
        Mono<Integer> items(Mono<Cart> cart) {
            return cart.map((c) -> c.items);
        }
    }

    @ControllerAdvice(assignableTypes = String.class)
    static class AdviceForAnotherController {
        @ModelAttribute("items")
        Mono<Integer> items(Mono<Cart> cart) {
            return cart.map((c) -> c.items);
        }
    }

    @RestController
    static class BodyAttributeController {
        @ModelAttribute("items")
        int fromBody(@RequestBody Cart cart) {
            return cart.items;
        }

        @PostMapping("/body-attribute")
        String show(Model model) {
            return String.valueOf(model.getAttribute("items"));
        }
    }

    @RestController
    static class NoDefaultConstructorAttributeController {
        @ModelAttribute("value")
        String value(NoDefaultConstructor state) {
            return state.value;
        }

        @GetMapping("/no-default-attribute")
        String show(Model model) {
            return String.valueOf(model.getAttribute("value"));
        }
    }

    @RestController
    static class StashAttributeController {
        @ModelAttribute("view")
        String attribute(ReactiveStash stash) {
            return stash.view();
        }

        @GetMapping("/stash-attribute")
        String show(Model model) {
            return String.valueOf(model.getAttribute("view"));
        }
    }

    @RestController
    static class BlockingStashAttributeController {
        @ModelAttribute("view")
        String attribute(Stash stash, Cart cart) {
            return stash.view();
        }

        @GetMapping("/blocking-stash-attribute")
        String show(Model model) {
            return String.valueOf(model.getAttribute("view"));
        }
    }

    @RestController
    static class ViewBinderController {
        @InitBinder
        void init(WebDataBinder binder, Cart cart) {
        }

        @GetMapping("/view-binder")
        String show(@RequestParam int count) {
            return String.valueOf(count);
        }
    }

    @ControllerAdvice
    static class StashBinderAdvice {
        @InitBinder
        void init(WebDataBinder binder, ReactiveStash stash) {
        }
    }
}
