package dev.durablestash.spring.web.reactive;

import java.lang.reflect.Modifier;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodParameter;
import org.springframework.util.ClassUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.handler.AbstractUrlHandlerMapping;
import org.springframework.web.reactive.result.method.AbstractHandlerMethodMapping;
import org.springframework.web.reactive.socket.WebSocketHandler;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.web.AbstractStashedViewsVerifier;
import dev.durablestash.spring.web.StashedViews;
import dev.durablestash.spring.web.ViewBeans;
import dev.durablestash.spring.web.ViewFields;

/**
 * Checks the WebFlux application's handler methods once every singleton exists, and fails startup,
 * naming the class (and, for a view, its {@code @Stashed} fields), for a view that would never be
 * recovered or stored, or whose handle could not work. It builds every view it finds
 * ({@link StashedViews#definitionOf}), which rejects static and final {@code @Stashed} fields and two views
 * with the same name, and checks:
 * <ul>
 * <li>every handler-method parameter whose type is a view: it must carry no annotation (an annotated
 * one, {@code @RequestBody}, {@code @ModelAttribute}, ..., goes to another argument resolver, and its
 * fields would be neither recovered nor stashed) and the class must have a no-argument constructor;</li>
 * <li>every other handler-method parameter: it must not take a view class inside another type
 * ({@code Optional<Prefs>}, {@code Mono<Prefs>}, ...; {@link #refuseViewInsideAnotherType});</li>
 * <li>a {@link ReactiveStash} parameter: its handler must have a view (the controller, or exactly one
 * view parameter type);</li>
 * <li>a blocking {@link Stash} parameter: refused, its methods would block an event-loop thread;</li>
 * <li>the {@code @ModelAttribute} methods WebFlux invokes before a handler, the controller's and those of
 * the {@code @ControllerAdvice} beans that apply to it: their parameters as a handler's (a
 * {@link ReactiveStash} must have a view: the class the method is invoked on, or exactly one view parameter
 * type); the failure names the method, and the advice bean;</li>
 * <li>the {@code @InitBinder} methods WebFlux invokes whenever it makes a data binder for a handler, the
 * controller's and those of the advice beans that apply to it: a view, {@link ReactiveStash} or
 * {@link Stash} parameter is refused (WebFlux resolves their arguments only with synchronous resolvers,
 * which the starter's is not, so every exchange that makes a data binder would fail), and so is a view
 * class taken inside another type;</li>
 * <li>the {@code @ExceptionHandler} methods of the controllers and of every {@code @ControllerAdvice} bean:
 * a view, {@link ReactiveStash} or {@link Stash} parameter, or a view inside another type, is refused, since
 * nothing is stashed for a handler that failed, also when an exception handler answers
 * ({@link AbstractStashedViewsVerifier});</li>
 * <li>every WebSocket handler mapped to a URL (a handler instance in the URL map of a URL handler mapping,
 * such as a {@code SimpleUrlHandlerMapping}): its class must not be a view, since one instance serves every
 * connection and nothing recovers or stashes its fields (a WebSocket handler bean with {@code @Stashed} fields
 * is refused before, by {@link PerExchangeControllers}, with the same message);</li>
 * <li>every singleton registered as an instance (no bean definition) whose class is a view;</li>
 * <li>every singleton into which a view controller was injected (it would share one instance between
 * every browser), or that takes one with {@code @Lazy} (each call would reach a new, unrecovered
 * instance; {@link LazyViewHolders});</li>
 * <li>as on the servlet side, every class under the application's packages that declares
 * {@code @Stashed} fields: a controller or argument above (or a superclass of one), a class annotated
 * as a controller there or a parameter type of its request-mapping, {@code @ModelAttribute} or
 * {@code @InitBinder} methods or of those of a class annotated {@code @ControllerAdvice} there, or a
 * class named by one that uses {@link StashedRoutes} (a view of a functional route); otherwise its fields
 * would never be recovered or stored ({@link dev.durablestash.spring.web.StashedClassScanner#refuseUnused}).</li>
 * </ul>
 *
 * <p><b>Thread-safety:</b> runs once, at startup.
 */
public final class StashedViewsWebFluxVerifier extends AbstractStashedViewsVerifier {

    /** What to do instead of a WebSocket handler with {@code @Stashed} fields. */
    static final String KEEP_STATE_IN_PAGE_REQUESTS = "Keep the browser session's state in views of the "
            + "page's HTTP requests (the starter recovers and stashes views only in those), and use the socket to "
            + "push.";

    /** @param views the application's views, which build (and so check) each view class */
    public StashedViewsWebFluxVerifier(StashedViews views) {
        super(views);
    }

    @Override
    protected void verifyHandlers(ConfigurableListableBeanFactory factory, Set<Class<?>> used) {
        for (AbstractHandlerMethodMapping<?> mapping : factory
                .getBeansOfType(AbstractHandlerMethodMapping.class, false, false).values()) {
            for (HandlerMethod handler : mapping.getHandlerMethods().values()) {
                verifyHandler(handler, used);
                verifySupportMethods(handler, used);
            }
        }
        for (AbstractUrlHandlerMapping mapping : factory.getBeansOfType(AbstractUrlHandlerMapping.class, false, false)
                .values()) {
            mapping.getHandlerMap().forEach((path, handler) -> {
                if (handler instanceof WebSocketHandler) {
                    Class<?> type = AopUtils.getTargetClass(handler);
                    if (StashedViews.isStashedView(type)) {
                        throw ViewBeans.webSocketHandlerWithStashedFields(type, "at " + path.getPatternString(), null,
                                KEEP_STATE_IN_PAGE_REQUESTS);
                    }
                }
            });
        }
    }

    /**
     * Checks a {@code @ModelAttribute} method's parameters as a handler's (WebFlux resolves them with the
     * same kinds of resolvers, the starter's among them), and refuses any view, {@link ReactiveStash} or
     * {@link Stash} parameter of an {@code @InitBinder} method: WebFlux invokes those with the synchronous
     * resolvers only, which the starter's is not (it recovers from storage without blocking), so every
     * exchange that makes a data binder would fail.
     */
    @Override
    protected void verifySupportMethod(MethodParameter[] parameters, boolean initBinder, String method,
            Set<Class<?>> used) {
        if (initBinder) {
            for (MethodParameter parameter : parameters) {
                refuseInInitBinder(parameter, method);
            }
            return;
        }
        Takes takes = verifyParameters(parameters, method, used);
        if (takes.stash() && takes.views().size() != 1) {
            Class<?> owner = parameters[0].getContainingClass(); // a ReactiveStash is one of them
            if (!StashedViews.isStashedView(owner)) {
                throw stashWithoutOneView("ReactiveStash", method, "the class it is invoked on (" + ClassUtils.getUserClass(owner)
                        .getName() + ")", takes.views());
            }
        }
    }

    @Override
    protected boolean isStashHandle(Class<?> type) {
        return type == ReactiveStash.class || super.isStashHandle(type);
    }

    private void refuseInInitBinder(MethodParameter parameter, String method) {
        Class<?> type = parameter.getParameterType();
        String what = type == Stash.class || type == ReactiveStash.class ? "a " + type.getName()
                : StashedViews.isStashedView(type) ? "view class " + type.getName() + " (it has "
                        + ViewFields.describe(ClassUtils.getUserClass(type)) + ")" : null;
        if (what == null) {
            refuseViewInsideAnotherType(parameter, method);
            return;
        }
        throw new IllegalStateException("Parameter " + parameter.getParameterIndex() + " of " + method + " takes "
                + what + ", but WebFlux resolves the arguments of an @InitBinder method only with synchronous "
                + "argument resolvers, and the starter's is not one (it recovers views from storage without "
                + "blocking): every exchange that makes a data binder would fail. Take it as a parameter of the "
                + "handler or of a @ModelAttribute method instead.");
    }

    @Override
    protected RuntimeException registeredAsInstance(String name, Class<?> type) {
        return new IllegalStateException("Bean '" + name + "' of class " + ClassUtils.getUserClass(type).getName()
                + " has @Stashed fields but is registered as an instance, so one instance would be shared by every "
                + "browser. Declare it as a @Controller bean (the starter then makes it per exchange).");
    }

    @Override
    protected void verifyViewBean(ConfigurableListableBeanFactory factory, String name, Class<?> type) {
        refuseSingletonHolders(factory, name, type);
    }

    @Override
    protected void verifyViewBeans(ConfigurableListableBeanFactory factory, Map<String, Class<?>> viewBeans) {
        LazyViewHolders.refuse(factory, viewBeans);
    }

    /**
     * Refuses a singleton into which a view controller was injected: it would hold one instance, made at
     * startup, for every browser, whose fields are never recovered or stashed.
     */
    private static void refuseSingletonHolders(ConfigurableListableBeanFactory factory, String name, Class<?> type) {
        for (String dependent : factory.getDependentBeans(name)) {
            if (factory.containsBeanDefinition(dependent) && factory.getMergedBeanDefinition(dependent).isSingleton()) {
                Class<?> userClass = ClassUtils.getUserClass(type);
                throw new IllegalStateException("Controller " + userClass.getName() + " (bean '" + name + "') has "
                        + ViewFields.describe(userClass) + " and is made afresh for every exchange, but it is injected "
                        + "into singleton bean '" + dependent + "', which would hold one instance, shared by every "
                        + "browser, whose fields are never recovered or stashed. Do not inject a view controller: move "
                        + "what '" + dependent + "' needs from it into a bean without @Stashed fields, and use that "
                        + "from both.");
            }
        }
    }

    private void verifyHandler(HandlerMethod handler, Set<Class<?>> used) {
        Class<?> controller = handler.getBeanType();
        boolean controllerIsView = StashedViews.isStashedView(controller);
        if (controllerIsView) {
            views().definitionOf(controller);
            used.add(ClassUtils.getUserClass(controller));
        }
        Takes takes = verifyParameters(handler.getMethodParameters(), "handler " + handler, used);
        if (takes.stash() && !controllerIsView && takes.views().size() != 1) {
            throw stashWithoutOneView("ReactiveStash", "handler " + handler, "its controller", takes.views());
        }
    }

    /**
     * Checks each parameter of a handler or {@code @ModelAttribute} method: a view
     * ({@link #verifyViewParameter}), a {@link ReactiveStash}, a blocking {@link Stash} (refused), or any
     * other, which must not take a view inside another type.
     *
     * @param method the method, for messages
     * @param used collects the view classes the method takes
     */
    private Takes verifyParameters(MethodParameter[] parameters, String method, Set<Class<?>> used) {
        Set<Class<?>> viewParameters = new LinkedHashSet<>();
        boolean takesStash = false;
        for (MethodParameter parameter : parameters) {
            Class<?> type = parameter.getParameterType();
            if (type == Stash.class) {
                throw new IllegalStateException(Character.toUpperCase(method.charAt(0)) + method.substring(1)
                        + " takes a " + Stash.class.getName() + " parameter, whose methods block until storage "
                        + "answers: in WebFlux that would block an event-loop thread. Take a "
                        + ReactiveStash.class.getName() + " instead.");
            }
            if (type == ReactiveStash.class) {
                takesStash = true;
            } else if (StashedViews.isStashedView(type)) {
                verifyViewParameter(parameter, type, method);
                viewParameters.add(type);
                used.add(ClassUtils.getUserClass(type));
            } else {
                refuseViewInsideAnotherType(parameter, method);
            }
        }
        return new Takes(viewParameters, takesStash);
    }

    /**
     * A view parameter must carry no annotation (then the starter's argument resolver takes it), and its
     * class must have a no-argument constructor.
     */
    private void verifyViewParameter(MethodParameter parameter, Class<?> type, String method) {
        views().definitionOf(type);
        if (!StashedViewArgumentResolver.isStateParameter(parameter)) {
            throw new IllegalStateException("Parameter " + parameter.getParameterIndex() + " of " + method
                    + " takes view class " + type.getName() + " (it has @Stashed fields) with an annotation. A view "
                    + "parameter carries none: @RequestBody, @ModelAttribute, @RequestParam and the like hand it to "
                    + "another argument resolver, so its fields would be neither recovered nor stashed (on a "
                    + "@ModelAttribute method WebFlux ignores @RequestBody, and the parameter would be the view, not "
                    + "the body). Take the view class as a parameter of its own, without annotations.");
        }
        if (Modifier.isAbstract(type.getModifiers()) || !hasNoArgumentConstructor(type)) {
            throw new IllegalStateException("View class " + type.getName() + ", taken by " + method
                    + ", cannot be made for each exchange: give it a no-argument constructor (it may be private).");
        }
    }
}
