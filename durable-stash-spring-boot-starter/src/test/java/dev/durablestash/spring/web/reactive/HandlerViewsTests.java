package dev.durablestash.spring.web.reactive;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.context.support.GenericApplicationContext;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.method.HandlerMethod;

import dev.durablestash.spring.Stashed;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The views an annotated handler binds before its body runs, which the adapter takes the turns of in one
 * order: its controller when it is a view, its view arguments, and those of the {@code @ModelAttribute}
 * methods WebFlux invokes before it, the controller's own and those of the advice beans applicable to it.
 */
class HandlerViewsTests {

    private final GenericApplicationContext context = new GenericApplicationContext();
    private final HandlerViews handlerViews = new HandlerViews();

    @BeforeEach
    void refresh() {
        context.registerBean(AdviceForTheController.class);
        context.registerBean(AdviceForAnother.class);
        context.registerBean(AdviceWithoutModelAttributes.class);
        context.refresh();
    }

    @AfterEach
    void close() {
        context.close();
    }

    @Test
    void theViewsOfTheModelAttributeMethodsWebFluxInvokesBeforeTheHandlerAreTheHandlersToo() {
        assertThat(handlerViews.of(handler(new Controller(), "handle"), exchange())).containsExactlyInAnyOrder(
                Controller.class, OfTheApplicableAdvice.class, OfTheControllersMethod.class, OfTheHandler.class);
    }

    @Test
    void anAnnotatedArgumentOfAModelAttributeMethodCountsButNotOneOfTheHandler() {
        assertThat(handlerViews.of(handler(new WithAnnotatedArguments(), "handle"), exchange()))
                .containsExactlyInAnyOrder(OfTheControllersMethod.class);
    }

    @Test
    void aModelAttributeMethodOfASuperclassTakesItsTypeVariableAsTheControllerBindsIt() {
        assertThat(handlerViews.of(handler(new GenericController(), "handle"), exchange()))
                .containsExactlyInAnyOrder(OfTheApplicableAdvice.class, OfTheControllersMethod.class);
    }

    @Test
    void aHandlerWithoutViewsWhoseControllerHasNoneAndNoAdviceAppliesBindsNone() {
        assertThat(handlerViews.of(handler(new WithoutViews(), "handle"), exchange())).isEmpty();
    }

    @Test
    void withoutAnApplicationContextTheAdviceBeansAreNotSought() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/handle"));
        assertThat(handlerViews.of(handler(new Controller(), "handle"), exchange))
                .containsExactlyInAnyOrder(Controller.class, OfTheControllersMethod.class, OfTheHandler.class);
    }

    @Test
    void theListIsWorkedOutOncePerHandlerMethodNotPerExchange() {
        List<Class<?>> first = handlerViews.of(handler(new Controller(), "handle"), exchange());
        assertThat(handlerViews.of(handler(new Controller(), "handle"), exchange())).isSameAs(first);
    }

    /** An exchange of the application {@link #context}. */
    private MockServerWebExchange exchange() {
        return MockServerWebExchange.builder(MockServerHttpRequest.post("/handle")).applicationContext(context)
                .build();
    }

    private static HandlerMethod handler(Object controller, String name) {
        return new HandlerMethod(controller,
                ReflectionUtils.findMethod(controller.getClass(), name, (Class<?>[]) null));
    }

    static class OfTheHandler {
        @Stashed String value;
    }

    static class OfTheControllersMethod {
        @Stashed String value;
    }

    static class OfAHandlerThatIsAModelAttributeToo {
        @Stashed String value;
    }

    static class OfTheApplicableAdvice {
        @Stashed String value;
    }

    static class OfAnotherControllersAdvice {
        @Stashed String value;
    }

    static class Controller {
        @Stashed String value;

        @ModelAttribute
        void attribute(OfTheControllersMethod state, String notAView) {
        }

        @PostMapping("/handle")
        String handle(OfTheHandler state) {
            return "";
        }

        @PostMapping("/both")
        @ModelAttribute("both")
        String both(OfAHandlerThatIsAModelAttributeToo state) {
            return "";
        }
    }

    /** An annotation of the application's own on a parameter. */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.PARAMETER)
    @interface Marked {
    }

    static class WithAnnotatedArguments {

        @ModelAttribute
        void attribute(@Marked OfTheControllersMethod state) {
        }

        @PostMapping("/handle")
        String handle(@RequestBody OfTheHandler body) {
            return "";
        }
    }

    abstract static class GenericBase<T> {

        @ModelAttribute
        void attribute(T state) {
        }
    }

    static class GenericController extends GenericBase<OfTheControllersMethod> {

        @PostMapping("/handle")
        String handle() {
            return "";
        }
    }

    static class WithoutViews {

        @PostMapping("/handle")
        String handle(String notAView) {
            return "";
        }
    }

    @ControllerAdvice(assignableTypes = { Controller.class, GenericController.class })
    static class AdviceForTheController {

        @ModelAttribute
        void attribute(OfTheApplicableAdvice state) {
        }
    }

    @ControllerAdvice(assignableTypes = String.class)
    static class AdviceForAnother {

        @ModelAttribute
        void attribute(OfAnotherControllersAdvice state) {
        }
    }

    @ControllerAdvice
    static class AdviceWithoutModelAttributes {

        void notAModelAttribute(OfAnotherControllersAdvice state) {
        }
    }
}
