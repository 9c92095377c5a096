package dev.durablestash.spring.web.servlet.declarations;

import ch.qos.logback.classic.Level;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.http.HttpStatus;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.stereotype.Component;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.context.annotation.RequestScope;
import org.springframework.web.context.annotation.SessionScope;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerMapping;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.spring.web.StashedViews;
import dev.durablestash.spring.web.servlet.declarations.unused.Leftover;
import dev.durablestash.spring.web.servlet.declarations.used.UsedController;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every way of declaring {@code @Stashed} fields that would share them between browsers or never
 * store them fails startup with a message that names the class and the field.
 */
class StashedViewDeclarationTests {

    /** The startup failures these tests provoke; each test asserts its failure and the message. */
    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                    DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                    WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @Test
    void aControllerWithOnlyStashedFieldsStartsAndIsGivenRequestScope() {
        contextRunner.withUserConfiguration(BareController.class).run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBeanFactory().getBeanDefinition(beanName(context, BareController.class)).getScope())
                    .isEqualTo(WebApplicationContext.SCOPE_REQUEST);
            assertThat(context.getBean(StashedViews.class).definitionOf(BareController.class).name())
                    .isEqualTo("BareController");
        });
    }

    @Test
    void aControllerRegisteredWithItsClassAndASupplierIsAlsoGivenRequestScope() {
        contextRunner.withBean(BareController.class, BareController::new).run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBeanFactory().getBeanDefinition(beanName(context, BareController.class)).getScope())
                    .isEqualTo(WebApplicationContext.SCOPE_REQUEST);
        });
    }

    @Test
    void aSingletonServiceWithStashedFieldsFailsStartup() {
        contextRunner.withUserConfiguration(CartService.class).run((context) -> assertFailedNaming(context,
                "CartService.items", "not a @Controller"));
    }

    @Test
    void aComponentWithStashedFieldsFailsStartupEvenIfRequestScoped() {
        contextRunner.withUserConfiguration(RequestScopedComponent.class).run((context) -> assertFailedNaming(context,
                "RequestScopedComponent.note", "not a @Controller"));
    }

    @Test
    void aControllerDeclaredWithPrototypeScopeFailsStartup() {
        contextRunner.withUserConfiguration(PrototypeController.class).run((context) -> assertFailedNaming(context,
                "PrototypeController.count", "scope 'prototype'"));
    }

    @Test
    void aControllerDeclaredWithSessionScopeFailsStartup() {
        contextRunner.withUserConfiguration(SessionController.class).run((context) -> assertFailedNaming(context,
                "SessionController.count", "scope 'session'"));
    }

    @Test
    void aControllerFromABeanMethodDeclaredToReturnASupertypeFailsStartup() {
        contextRunner.withUserConfiguration(HiddenControllerConfiguration.class).run((context) -> assertFailedNaming(
                context, "HiddenController.count", "a singleton", "@RequestScope"));
    }

    @Test
    void aControllerMadeByAFactoryBeanFailsStartup() {
        contextRunner.withUserConfiguration(FactoryBeanConfiguration.class).run((context) -> assertFailedNaming(
                context, "HiddenController.count", "a singleton"));
    }

    @Test
    void aControllerRegisteredAsAnInstanceFailsStartup() {
        contextRunner.withInitializer((context) -> context.getBeanFactory().registerSingleton("instanceController",
                new BareController())).run((context) -> assertFailedNaming(context, "BareController.count",
                        "registered as an instance"));
    }

    @Test
    void aStaticStashedFieldOnAControllerFailsStartup() {
        contextRunner.withUserConfiguration(StaticFieldController.class).run((context) -> assertFailedNaming(context,
                "StaticFieldController.count", "neither static nor final"));
    }

    @Test
    void aFinalStashedFieldOnAControllerFailsStartup() {
        contextRunner.withUserConfiguration(FinalFieldController.class).run((context) -> assertFailedNaming(context,
                "FinalFieldController.tags", "neither static nor final"));
    }

    @Test
    void aStashedFieldWhoseTypeVariableTheControllerLeavesOpenFailsStartup() {
        contextRunner.withUserConfiguration(GenericController.class).run((context) -> assertFailedNaming(context,
                "GenericController.value", "type variable T of GenericController"));
    }

    @Test
    void aStaticStashedFieldOnAHandlerArgumentClassFailsStartup() {
        contextRunner.withUserConfiguration(StaticStateController.class).run((context) -> assertFailedNaming(context,
                "StaticState.shared", "neither static nor final"));
    }

    @Test
    void aViewClassTakenAsARequestBodyFailsStartup() {
        contextRunner.withUserConfiguration(RequestBodyController.class).run((context) -> assertFailedNaming(context,
                "Cart.items", "RequestResponseBodyMethodProcessor", "neither recovered nor stashed"));
    }

    @Test
    void aViewClassTakenAsAModelAttributeFailsStartup() {
        contextRunner.withUserConfiguration(ModelAttributeController.class).run((context) -> assertFailedNaming(context,
                "Cart.items", "ModelAttributeMethodProcessor", "neither recovered nor stashed"));
    }

    @Test
    void aViewClassTakenInsideAnOptionalFailsStartup() {
        contextRunner.withUserConfiguration(OptionalController.class).run((context) -> assertFailedNaming(context,
                "java.util.Optional<" + Cart.class.getName() + ">", "Cart.items", "neither recovered nor stashed"));
    }

    @Test
    void aViewClassTakenInsideAnHttpEntityOrRequestEntityFailsStartup() {
        contextRunner.withUserConfiguration(HttpEntityController.class).run((context) -> assertFailedNaming(context,
                "HttpEntity<" + Cart.class.getName() + ">", "Cart.items", "neither recovered nor stashed"));
        contextRunner.withUserConfiguration(RequestEntityController.class).run((context) -> assertFailedNaming(context,
                "RequestEntity<" + Cart.class.getName() + ">", "Cart.items", "neither recovered nor stashed"));
    }

    @Test
    void aViewClassWithoutANoArgumentConstructorFailsStartup() {
        contextRunner.withUserConfiguration(NoDefaultConstructorController.class).run((context) -> assertFailedNaming(
                context, "NoDefaultConstructor.value", "no-argument constructor"));
    }

    @Test
    void twoViewsWithTheSameSimpleNameInDifferentPackagesFailStartupNamingBoth() {
        contextRunner.withUserConfiguration(dev.durablestash.spring.web.servlet.declarations.a.Twin.class,
                dev.durablestash.spring.web.servlet.declarations.b.Twin.class).run((context) -> assertFailedNaming(
                        context, "view name 'Twin'", "declarations.a.Twin", "declarations.b.Twin",
                        "@StashedView(name = ...)"));
    }

    @Test
    void aStashParameterWithoutAViewFailsStartup() {
        contextRunner.withUserConfiguration(StashWithoutViewController.class).run((context) -> assertFailedNaming(
                context, "StashWithoutViewController", "Stash parameter", "neither its controller"));
    }

    @Test
    void aClassWithStashedFieldsInTheApplicationsPackagesThatIsNeitherAControllerNorAHandlerArgumentFailsStartup() {
        contextRunner.withInitializer((context) -> AutoConfigurationPackages.register(
                (BeanDefinitionRegistry) context.getBeanFactory(), Leftover.class.getPackageName()))
                .run((context) -> assertFailedNaming(context, "Leftover.count",
                        "neither a controller nor taken as a handler-method argument"));
    }

    @Test
    void classesWithStashedFieldsThatAreControllersHandlerArgumentsOrTheirSuperclassesPassTheScan() {
        contextRunner.withInitializer((context) -> AutoConfigurationPackages.register(
                (BeanDefinitionRegistry) context.getBeanFactory(), UsedController.class.getPackageName()))
                .withUserConfiguration(UsedController.class)
                .run((context) -> assertThat(context).hasNotFailed());
    }

    private static String beanName(AssertableWebApplicationContext context, Class<?> type) {
        String[] names = context.getBeanNamesForType(type);
        assertThat(names).hasSize(1);
        return names[0];
    }

    @Test
    void aViewControllerInjectedIntoASingletonFailsStartupNamingBothBeans() {
        contextRunner.withUserConfiguration(BareController.class).withBean("controllerHolder", ControllerHolder.class)
                .run((context) -> {
                    assertFailedNaming(context, "BareController')", BareController.class.getName() + ".count",
                            "injected into a singleton");
                    assertThat(context.getStartupFailure()).hasMessageContaining("'controllerHolder'");
                });
    }

    @Test
    void aViewControllerInjectedIntoARequestScopedBeanFailsAtItsCreationNamingBothClassesAndWhatToDo() {
        contextRunner.withUserConfiguration(BareController.class, RequestScopedHolder.class).run((context) -> {
            assertThat(context).hasNotFailed();
            Throwable failure = inRequest(null, () -> context.getBean(RequestScopedHolder.class));
            assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessageContainingAll(
                    BareController.class.getName() + ".count", RequestScopedHolder.class.getName(), "scope 'request'",
                    "handler-method argument", "@StashedView");
        });
    }

    @Test
    void aViewControllerLookedUpInARequestThatAnotherHandlerHandlesFailsNamingBothClasses() throws Exception {
        HandlerMethod other = new HandlerMethod(new StatusCodeController(),
                StatusCodeController.class.getDeclaredMethod("create"));
        contextRunner.withUserConfiguration(BareController.class).run((context) -> {
            Throwable failure = inRequest(other, () -> context.getBean(BareController.class));
            assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessageContainingAll(
                    BareController.class.getName() + ".count", StatusCodeController.class.getName(), "ObjectProvider",
                    "handler-method argument");
        });
    }

    /**
     * @param handler the handler Spring MVC chose for the request, or {@code null} before it chose one
     * @return the root cause of what {@code lookup} threw in a request, or {@code null}
     */
    private static @Nullable Throwable inRequest(@Nullable HandlerMethod handler, Runnable lookup) {
        MockHttpServletRequest request = new MockHttpServletRequest();
        if (handler != null) {
            request.setAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE, handler);
        }
        RequestContextHolder.setRequestAttributes(new ServletRequestAttributes(request));
        try {
            lookup.run();
            return null;
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return root;
        } finally {
            RequestContextHolder.resetRequestAttributes();
        }
    }

    /** A request-scoped bean that has a view controller injected: a second instance, never recovered. */
    @Component
    @RequestScope(proxyMode = ScopedProxyMode.NO)
    static class RequestScopedHolder {
        final BareController controller;

        RequestScopedHolder(BareController controller) {
            this.controller = controller;
        }
    }

    @Test
    void aRequestScopedViewControllerStartsWithItsScopedProxy() {
        contextRunner.withUserConfiguration(ProxiedController.class).run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void aRequestScopedViewControllerInjectedIntoASingletonThroughItsProxyFailsStartupNamingBothBeans() {
        contextRunner.withUserConfiguration(ProxiedController.class)
                .withBean("proxyHolder", ProxyHolder.class)
                .run((context) -> {
                    assertFailedNaming(context, ProxiedController.class.getName() + ".count", "scoped proxy",
                            "singleton 'proxyHolder'", "never stored");
                });
    }

    @Test
    void aViewControllersHandlerWithAResponseStatusReasonFailsStartup() {
        contextRunner.withUserConfiguration(ReasonController.class).run((context) -> assertFailedNaming(context,
                "ReasonController#create", ReasonController.class.getName() + ".count",
                "@ResponseStatus(reason = \"created it\")", "sendError"));
    }

    @Test
    void aHandlerTakingAViewWithAResponseStatusReasonOnItsClassFailsStartup() {
        contextRunner.withUserConfiguration(ReasonForArgumentController.class).run((context) -> assertFailedNaming(
                context, "ReasonForArgumentController#add", Cart.class.getName() + ".items", "reason = \"gone\""));
    }

    @Test
    void aViewControllersHandlerWithAResponseStatusCodeOnlyStarts() {
        contextRunner.withUserConfiguration(StatusCodeController.class).run((context) -> assertThat(context).hasNotFailed());
    }

    /** A singleton that holds a view controller's scoped proxy: it reaches whichever request's instance. */
    static class ProxyHolder {
        final ProxiedController controller;

        ProxyHolder(ProxiedController controller) {
            this.controller = controller;
        }
    }

    @RestController
    @RequestScope
    static class ProxiedController {

        @Stashed int count;

        @GetMapping("/proxied")
        String show() {
            return Integer.toString(count);
        }
    }

    @RestController
    static class ReasonController {

        @Stashed int count;

        @PostMapping("/reason")
        @ResponseStatus(code = HttpStatus.CREATED, reason = "created it")
        void create() {
            count++;
        }
    }

    @RestController
    @ResponseStatus(code = HttpStatus.GONE, reason = "gone")
    static class ReasonForArgumentController {

        @PostMapping("/reason-for-argument")
        void add(Cart cart) {
            cart.items.add("x");
        }
    }

    @RestController
    static class StatusCodeController {

        @Stashed int count;

        @PostMapping("/status-code")
        @ResponseStatus(HttpStatus.CREATED)
        void create() {
            count++;
        }
    }

    /** A singleton that holds a view controller: one instance for every browser, never recovered. */
    static class ControllerHolder {
        final BareController controller;

        ControllerHolder(BareController controller) {
            this.controller = controller;
        }
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

    @RestController
    static class BareController {

        @Stashed int count;

        @GetMapping("/bare")
        String show() {
            return Integer.toString(count);
        }
    }

    @RestController
    static class GenericController<T> {

        @Stashed T value;

        @GetMapping("/generic")
        String show() {
            return String.valueOf(value);
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
    static class HttpEntityController {

        @PostMapping("/entity")
        String add(org.springframework.http.HttpEntity<Cart> cart) {
            return String.valueOf(cart.getBody());
        }
    }

    @RestController
    static class RequestEntityController {

        @PostMapping("/request-entity")
        String add(org.springframework.http.RequestEntity<Cart> cart) {
            return String.valueOf(cart.getBody());
        }
    }

    @Service
    static class CartService {

        @Stashed java.util.List<String> items = new java.util.ArrayList<>();
    }

    @Component
    @Scope(WebApplicationContext.SCOPE_REQUEST)
    static class RequestScopedComponent {

        @Stashed String note;
    }

    @RestController
    @Scope("prototype")
    static class PrototypeController {

        @Stashed int count;

        @GetMapping("/prototype")
        String show() {
            return Integer.toString(count);
        }
    }

    @RestController
    @SessionScope
    static class SessionController {

        @Stashed int count;

        @GetMapping("/session")
        String show() {
            return Integer.toString(count);
        }
    }

    @RestController
    static class HiddenController {

        @Stashed int count;

        @GetMapping("/hidden")
        String show() {
            return Integer.toString(count);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class HiddenControllerConfiguration {

        @Bean
        Object hiddenController() {
            return new HiddenController();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class FactoryBeanConfiguration {

        @Bean
        FactoryBean<HiddenController> hiddenControllerFactory() {
            return new FactoryBean<>() {
                @Override
                public HiddenController getObject() {
                    return new HiddenController();
                }

                @Override
                public Class<?> getObjectType() {
                    return HiddenController.class;
                }
            };
        }
    }

    @RestController
    static class StaticFieldController {

        @Stashed static int count;

        @GetMapping("/static")
        String show() {
            return Integer.toString(count);
        }
    }

    @RestController
    static class FinalFieldController {

        @Stashed final java.util.List<String> tags = new java.util.ArrayList<>();

        @GetMapping("/final")
        String show() {
            return tags.toString();
        }
    }

    static class StaticState {

        @Stashed static String shared;
    }

    @RestController
    static class StaticStateController {

        @GetMapping("/static-state")
        String show(StaticState state) {
            return String.valueOf(StaticState.shared);
        }
    }

    @StashedView(name = "cart")
    static class Cart {

        @Stashed java.util.List<String> items = new java.util.ArrayList<>();
    }

    @RestController
    static class RequestBodyController {

        @PostMapping("/cart")
        String replace(@RequestBody Cart cart) {
            return cart.items.toString();
        }
    }

    @RestController
    static class ModelAttributeController {

        @PostMapping("/cart")
        String replace(@ModelAttribute Cart cart) {
            return cart.items.toString();
        }
    }

    static class NoDefaultConstructor {

        @Stashed String value;

        NoDefaultConstructor(String value) {
            this.value = value;
        }
    }

    @RestController
    static class NoDefaultConstructorController {

        @GetMapping("/no-default")
        String show(NoDefaultConstructor state) {
            return state.value;
        }
    }

    @RestController
    static class StashWithoutViewController {

        @GetMapping("/stash-without-view")
        String show(Stash stash) {
            return stash.view();
        }
    }
}
