package dev.durablestash.spring.web.servlet.declarations;

import java.util.Optional;

import jakarta.servlet.http.Cookie;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
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
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.spring.web.servlet.SidFilter;
import dev.durablestash.spring.web.servlet.declarations.advised.PageController;
import dev.durablestash.spring.web.servlet.declarations.advised.PreferencesAdvice;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

/**
 * Spring MVC invokes a handler's {@code @ModelAttribute} methods (the controller's and those of the
 * {@code @ControllerAdvice} beans that apply to it) before the handler, and its {@code @InitBinder} methods
 * whenever it makes a data binder, with argument resolvers as it does the handler: a view parameter those
 * methods take in a way that would hand it to another resolver, or a {@code Stash} without a view, fails
 * startup as it does on a handler, naming the method (and the advice bean). A view an {@code @InitBinder}
 * method takes as a parameter of its own is resolved by the starter, recovered and stashed.
 */
class ModelAttributeAndInitBinderStartupChecksTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            // The startup failures these tests provoke; each test asserts its failure and the message.
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                    DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                    WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @Test
    void aViewTakenInsideAnOptionalByAControllersModelAttributeMethodFailsStartupNamingTheMethod() {
        contextRunner.withUserConfiguration(OptionalAttributeController.class).run((context) -> assertFailedNaming(
                context, "@ModelAttribute method " + OptionalAttributeController.class.getName()
                        + "#common(Model, Optional)", "java.util.Optional<" + Cart.class.getName() + ">",
                "Cart.items", "neither recovered nor stashed"));
    }

    @Test
    void aViewTakenInsideAnOptionalByAnAdviceBeansModelAttributeMethodFailsStartupNamingTheAdviceBean() {
        contextRunner.withUserConfiguration(PlainController.class)
                .withBean("optionalAdvice", OptionalAdvice.class)
                .run((context) -> assertFailedNaming(context, "@ModelAttribute method "
                        + OptionalAdvice.class.getName() + "#common(Model, Optional) of @ControllerAdvice bean "
                        + "'optionalAdvice'", "java.util.Optional<" + Cart.class.getName() + ">", "Cart.items"));
    }

    @Test
    void anAdviceBeanThatAppliesToNoControllerIsNotChecked() {
        contextRunner.withUserConfiguration(PlainController.class)
                .withBean("elsewhereAdvice", AdviceForAnotherController.class)
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void aViewTakenAsTheRequestBodyByAModelAttributeMethodFailsStartup() {
        contextRunner.withUserConfiguration(BodyAttributeController.class).run((context) -> assertFailedNaming(
                context, "@ModelAttribute method " + BodyAttributeController.class.getName() + "#fromBody(Cart)",
                "Cart.items", "RequestResponseBodyMethodProcessor", "neither recovered nor stashed"));
    }

    @Test
    void aViewTakenAsAModelAttributeByAModelAttributeMethodFailsStartup() {
        contextRunner.withUserConfiguration(BoundAttributeController.class).run((context) -> assertFailedNaming(
                context, "@ModelAttribute method " + BoundAttributeController.class.getName() + "#bound(Cart)",
                "Cart.items", "ModelAttributeMethodProcessor", "neither recovered nor stashed"));
    }

    @Test
    void aViewWithoutANoArgumentConstructorTakenByAModelAttributeMethodFailsStartup() {
        contextRunner.withUserConfiguration(NoDefaultConstructorAttributeController.class).run((context) ->
                assertFailedNaming(context, "NoDefaultConstructor.value", "no-argument constructor",
                        "@ModelAttribute method " + NoDefaultConstructorAttributeController.class.getName()));
    }

    @Test
    void aViewWithAStaticStashedFieldTakenByAModelAttributeMethodFailsStartup() {
        contextRunner.withUserConfiguration(StaticStateAttributeController.class).run((context) ->
                assertFailedNaming(context, "StaticState.shared", "neither static nor final"));
    }

    @Test
    void aStashParameterOfAModelAttributeMethodWithoutAViewFailsStartup() {
        contextRunner.withUserConfiguration(StashAttributeController.class).run((context) -> assertFailedNaming(
                context, "@ModelAttribute method " + StashAttributeController.class.getName() + "#attribute(Stash)",
                "Stash parameter", "neither"));
    }

    @Test
    void aViewTakenWithRequestParamByAnInitBinderMethodFailsStartup() {
        contextRunner.withUserConfiguration(RequestParamBinderController.class).run((context) -> assertFailedNaming(
                context, "@InitBinder method " + RequestParamBinderController.class.getName()
                        + "#init(WebDataBinder, Cart)", "Cart.items", "RequestParamMethodArgumentResolver",
                "neither recovered nor stashed"));
    }

    @Test
    void aViewTakenInsideAnOptionalByAnInitBinderMethodFailsStartup() {
        contextRunner.withUserConfiguration(OptionalBinderController.class).run((context) -> assertFailedNaming(
                context, "@InitBinder method " + OptionalBinderController.class.getName()
                        + "#init(WebDataBinder, Optional)", "java.util.Optional<" + Cart.class.getName() + ">"));
    }

    @Test
    void aStashParameterOfAnInitBinderMethodWithoutAViewFailsStartup() {
        contextRunner.withUserConfiguration(StashBinderController.class).run((context) -> assertFailedNaming(
                context, "@InitBinder method " + StashBinderController.class.getName()
                        + "#init(WebDataBinder, Stash)", "Stash parameter", "neither"));
    }

    @Test
    void aViewAnInitBinderMethodTakesIsRecoveredAndItsChangesStashed() throws Exception {
        contextRunner.withUserConfiguration(ThemedController.class).run((context) -> {
            assertThat(context).hasNotFailed();
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).addFilters(context.getBean(SidFilter.class))
                    .build();
            MockHttpServletResponse set = mvc.perform(post("/theme").param("theme", "dark")).andReturn()
                    .getResponse();
            Cookie sid = set.getCookie("sid");
            assertThat(sid).isNotNull();

            MockHttpServletResponse bound = mvc.perform(get("/bound").param("count", "2").cookie(sid)).andReturn()
                    .getResponse();
            assertThat(bound.getContentAsString()).as("the @InitBinder method saw the recovered theme")
                    .isEqualTo("2 with dark");
            assertThat(mvc.perform(get("/theme").cookie(sid)).andReturn().getResponse().getContentAsString())
                    .as("what the @InitBinder method changed was stashed").isEqualTo("dark, bound");
        });
    }

    @Test
    void viewsOnlyModelAttributeMethodsTakeAreUsedAndPassTheScan() {
        contextRunner.withInitializer((context) -> AutoConfigurationPackages.register(
                (BeanDefinitionRegistry) context.getBeanFactory(), PageController.class.getPackageName()))
                .withUserConfiguration(PageController.class, PreferencesAdvice.class)
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void inATestSliceViewsThatModelAttributeMethodsOfControllersAndAdviceClassesTakePassTheScanWithoutTheirBeans() {
        contextRunner.withInitializer((context) -> AutoConfigurationPackages.register(
                (BeanDefinitionRegistry) context.getBeanFactory(), PageController.class.getPackageName()))
                .run((context) -> assertThat(context).hasNotFailed());
    }

    private static void assertFailedNaming(AssertableWebApplicationContext context, String... parts) {
        assertThat(context).hasFailed();
        Throwable root = context.getStartupFailure();
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        assertThat(root).isInstanceOfAny(IllegalStateException.class, IllegalArgumentException.class);
        assertThat(root.getMessage()).contains(parts);
    }

    static class Cart {

        @Stashed java.util.List<String> items = new java.util.ArrayList<>();
    }

    static class NoDefaultConstructor {

        @Stashed String value;

        NoDefaultConstructor(String value) {
            this.value = value;
        }
    }

    static class StaticState {

        @Stashed static int shared;
    }

    static class Theme {

        @Stashed String name = "light";
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
            model.addAttribute("items", cart.map((c) -> c.items.size()).orElse(0));
        }

        @GetMapping("/optional-attribute")
        String show(Model model) {
            return String.valueOf(model.getAttribute("items"));
        }
    }

    @ControllerAdvice
    static class OptionalAdvice {

        @ModelAttribute
        void common(Model model, Optional<Cart> cart) {
            model.addAttribute("items", cart.map((c) -> c.items.size()).orElse(0));
        }
    }

    @ControllerAdvice(assignableTypes = String.class)
    static class AdviceForAnotherController {

        @ModelAttribute
        void common(Model model, Optional<Cart> cart) {
        }
    }

    @RestController
    static class BodyAttributeController {

        @ModelAttribute("size")
        int fromBody(@RequestBody Cart cart) {
            return cart.items.size();
        }

        @PostMapping("/body-attribute")
        String show(Model model) {
            return String.valueOf(model.getAttribute("size"));
        }
    }

    @RestController
    static class BoundAttributeController {

        @ModelAttribute("size")
        int bound(@ModelAttribute Cart cart) {
            return cart.items.size();
        }

        @GetMapping("/bound-attribute")
        String show(Model model) {
            return String.valueOf(model.getAttribute("size"));
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
    static class StaticStateAttributeController {

        @ModelAttribute("shared")
        int shared(StaticState state) {
            return StaticState.shared;
        }

        @GetMapping("/static-attribute")
        String show(Model model) {
            return String.valueOf(model.getAttribute("shared"));
        }
    }

    @RestController
    static class StashAttributeController {

        @ModelAttribute("view")
        String attribute(Stash stash) {
            return stash.view();
        }

        @GetMapping("/stash-attribute")
        String show(Model model) {
            return String.valueOf(model.getAttribute("view"));
        }
    }

    @RestController
    static class RequestParamBinderController {

        @InitBinder
        void init(WebDataBinder binder, @RequestParam Cart cart) {
        }

        @GetMapping("/request-param-binder")
        String show(@RequestParam int count) {
            return String.valueOf(count);
        }
    }

    @RestController
    static class OptionalBinderController {

        @InitBinder
        void init(WebDataBinder binder, Optional<Cart> cart) {
        }

        @GetMapping("/optional-binder")
        String show(@RequestParam int count) {
            return String.valueOf(count);
        }
    }

    @RestController
    static class StashBinderController {

        @InitBinder
        void init(WebDataBinder binder, Stash stash) {
        }

        @GetMapping("/stash-binder")
        String show(@RequestParam int count) {
            return String.valueOf(count);
        }
    }

    @RestController
    static class ThemedController {

        private static final ThreadLocal<String> SEEN = new ThreadLocal<>();

        @InitBinder
        void init(WebDataBinder binder, Theme theme) {
            SEEN.set(theme.name);
            if (!theme.name.endsWith(", bound")) {
                theme.name += ", bound";
            }
        }

        @PostMapping("/theme")
        String set(Theme theme, @RequestParam("theme") String name) {
            theme.name = name;
            return theme.name;
        }

        @GetMapping("/theme")
        String show(Theme theme) {
            return theme.name;
        }

        @GetMapping("/bound")
        String bound(@RequestParam int count) {
            String seen = SEEN.get();
            SEEN.remove();
            return count + " with " + seen;
        }
    }
}
