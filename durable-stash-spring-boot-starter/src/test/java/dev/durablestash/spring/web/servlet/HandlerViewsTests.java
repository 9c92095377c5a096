package dev.durablestash.spring.web.servlet;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.context.support.GenericWebApplicationContext;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.DispatcherServlet;

import dev.durablestash.spring.Stashed;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The views a handler binds, which the interceptor takes the turns of in one order before its body runs:
 * its controller when it is a view, its arguments, and those of the {@code @ModelAttribute} methods
 * Spring MVC invokes before it and of the {@code @InitBinder} methods it invokes whenever it makes a data
 * binder for it, the controller's own and those of the advice beans applicable to it.
 */
class HandlerViewsTests {

    private final GenericWebApplicationContext context = new GenericWebApplicationContext();
    private final HandlerViews handlerViews = new HandlerViews();

    @BeforeEach
    void refresh() {
        context.registerBean(AdviceForTheController.class);
        context.registerBean(AdviceForAnother.class);
        context.registerBean(AdviceWithoutModelAttributes.class);
        context.registerBean(BinderAdviceForTheBindingController.class);
        context.refresh();
    }

    @AfterEach
    void close() {
        context.close();
    }

    @Test
    void theViewsOfTheModelAttributeMethodsSpringMvcInvokesBeforeTheHandlerAreTheHandlersToo() {
        assertThat(handlerViews.of(handler(new Controller(), "handle"), request())).containsExactlyInAnyOrder(
                Controller.class, OfTheApplicableAdvice.class, OfTheControllersMethod.class, OfTheHandler.class);
    }

    @Test
    void theViewsOfTheInitBinderMethodsSpringMvcInvokesForTheHandlerAreTheHandlersToo() {
        assertThat(handlerViews.of(handler(new BindingController(), "handle"), request())).containsExactlyInAnyOrder(
                OfTheApplicableAdvicesInitBinder.class, OfTheControllersInitBinder.class, OfTheHandler.class);
    }

    @Test
    void aModelAttributeMethodOfASuperclassTakesItsTypeVariableAsTheControllerBindsIt() {
        assertThat(handlerViews.of(handler(new GenericController(), "handle"), request()))
                .containsExactlyInAnyOrder(OfTheApplicableAdvice.class, OfTheControllersMethod.class);
    }

    @Test
    void aHandlerOfASuperclassTakesItsTypeVariableAsTheControllerBindsIt() {
        assertThat(handlerViews.of(handler(new GenericHandlerController(), "handle"), request()))
                .containsExactly(OfTheHandler.class);
    }

    @Test
    void withoutAnApplicationContextTheAdviceBeansAreNotSought() {
        assertThat(handlerViews.of(handler(new Controller(), "handle"), new MockHttpServletRequest()))
                .containsExactlyInAnyOrder(Controller.class, OfTheControllersMethod.class, OfTheHandler.class);
    }

    @Test
    void theListIsWorkedOutOncePerHandlerMethodNotPerRequest() {
        List<Class<?>> first = handlerViews.of(handler(new Controller(), "handle"), request());
        assertThat(handlerViews.of(handler(new Controller(), "handle"), request())).isSameAs(first);
    }

    /** A request that the dispatcher of {@link #context} handles. */
    private MockHttpServletRequest request() {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/handle");
        request.setAttribute(DispatcherServlet.WEB_APPLICATION_CONTEXT_ATTRIBUTE, context);
        return request;
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

    static class OfTheControllersInitBinder {
        @Stashed String value;
    }

    static class OfTheApplicableAdvicesInitBinder {
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

    static class BindingController {

        @InitBinder
        void init(WebDataBinder binder, OfTheControllersInitBinder state) {
        }

        @PostMapping("/handle")
        String handle(OfTheHandler state) {
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

    abstract static class GenericHandlerBase<T> {

        @PostMapping("/handle")
        String handle(T state) {
            return "";
        }
    }

    static class GenericHandlerController extends GenericHandlerBase<OfTheHandler> {
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

    @ControllerAdvice(assignableTypes = BindingController.class)
    static class BinderAdviceForTheBindingController {

        @InitBinder
        void init(WebDataBinder binder, OfTheApplicableAdvicesInitBinder state) {
        }
    }
}
