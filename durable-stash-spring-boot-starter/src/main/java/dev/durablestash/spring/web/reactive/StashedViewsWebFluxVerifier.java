package dev.durablestash.spring.web.reactive;

import java.lang.reflect.Modifier;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodParameter;
import org.springframework.util.ClassUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.result.method.AbstractHandlerMethodMapping;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.web.AbstractStashedViewsVerifier;
import dev.durablestash.spring.web.StashedViews;
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
 * <li>every singleton registered as an instance (no bean definition) whose class is a view;</li>
 * <li>every singleton into which a view controller was injected (it would share one instance between
 * every browser), or that takes one with {@code @Lazy} (each call would reach a new, unrecovered
 * instance; {@link LazyViewHolders});</li>
 * <li>as on the servlet side, every class under the application's packages that declares
 * {@code @Stashed} fields: a controller or handler argument above (or a superclass of one), a class
 * annotated as a controller there or a parameter type of its request-mapping methods, or a class named
 * by one that uses {@link StashedRoutes} (a view of a functional route); otherwise its fields would
 * never be recovered or stored ({@link dev.durablestash.spring.web.StashedClassScanner#refuseUnused}).</li>
 * </ul>
 *
 * <p><b>Thread-safety:</b> runs once, at startup.
 */
public final class StashedViewsWebFluxVerifier extends AbstractStashedViewsVerifier {

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
            }
        }
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
        Set<Class<?>> viewParameters = new LinkedHashSet<>();
        boolean takesStash = false;
        for (MethodParameter parameter : handler.getMethodParameters()) {
            Class<?> type = parameter.getParameterType();
            if (type == Stash.class) {
                throw new IllegalStateException("Handler " + handler + " takes a " + Stash.class.getName()
                        + " parameter, whose methods block until storage answers: in WebFlux that would block an "
                        + "event-loop thread. Take a " + ReactiveStash.class.getName() + " instead.");
            }
            if (type == ReactiveStash.class) {
                takesStash = true;
            } else if (StashedViews.isStashedView(type)) {
                verifyViewParameter(parameter, type, handler);
                viewParameters.add(type);
                used.add(ClassUtils.getUserClass(type));
            } else {
                refuseViewInsideAnotherType(parameter, handler);
            }
        }
        if (takesStash && !controllerIsView && viewParameters.size() != 1) {
            throw new IllegalStateException("Handler " + handler + " takes a ReactiveStash parameter, but "
                    + (viewParameters.isEmpty()
                            ? "neither its controller nor any of its parameters is a view (a class with @Stashed fields)"
                            : "it takes more than one view class " + viewParameters + ", so the handle is ambiguous"));
        }
    }

    private void verifyViewParameter(MethodParameter parameter, Class<?> type, HandlerMethod handler) {
        views().definitionOf(type);
        if (!StashedViewArgumentResolver.isStateParameter(parameter)) {
            throw new IllegalStateException("Parameter " + parameter.getParameterIndex() + " of handler " + handler
                    + " takes view class " + type.getName() + " (it has @Stashed fields) with an annotation that "
                    + "hands it to another argument resolver, so its fields would be neither recovered nor stashed. "
                    + "Take the view class as a parameter of its own, without annotations.");
        }
        if (Modifier.isAbstract(type.getModifiers()) || !hasNoArgumentConstructor(type)) {
            throw new IllegalStateException("View class " + type.getName() + ", taken by handler " + handler
                    + ", cannot be made for each exchange: give it a no-argument constructor (it may be private).");
        }
    }
}
