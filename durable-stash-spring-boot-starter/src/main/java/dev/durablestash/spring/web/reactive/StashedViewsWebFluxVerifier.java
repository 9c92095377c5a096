package dev.durablestash.spring.web.reactive;

import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.MethodParameter;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.util.ClassUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.result.method.AbstractHandlerMethodMapping;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.web.StashedClassScanner;
import dev.durablestash.spring.web.StashedViews;
import dev.durablestash.spring.web.ViewFields;

/**
 * Checks the WebFlux application's handler methods once every singleton exists, and fails startup,
 * naming the class (and, for a view, its {@code @Stashed} fields), for a view that would never be
 * recovered or stored, or whose handle could not work. It builds every view it finds
 * ({@link StashedViews#typeOf}), which rejects static and final {@code @Stashed} fields and two views
 * with the same name, and checks:
 * <ul>
 * <li>every handler-method parameter whose type is a view: it must carry no annotation (an annotated
 * one, {@code @RequestBody}, {@code @ModelAttribute}, ..., goes to another argument resolver, and its
 * fields would be neither recovered nor stashed) and the class must have a no-argument constructor;</li>
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
 * never be recovered or stored ({@link StashedClassScanner#refuseUnused}).</li>
 * </ul>
 *
 * <p><b>Thread-safety:</b> runs once, at startup.
 */
public final class StashedViewsWebFluxVerifier implements SmartInitializingSingleton, BeanFactoryAware,
        EnvironmentAware {

    private final StashedViews views;
    private @Nullable ConfigurableListableBeanFactory beanFactory;
    private Environment environment = new StandardEnvironment();

    /** @param views the application's views, which build (and so check) each view class */
    public StashedViewsWebFluxVerifier(StashedViews views) {
        this.views = Objects.requireNonNull(views, "views");
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
        if (beanFactory instanceof ConfigurableListableBeanFactory listable) {
            this.beanFactory = listable;
        }
    }

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    /**
     * @throws IllegalStateException or {@link IllegalArgumentException} naming the class of the first
     *     view declared in a way that would drop its state
     */
    @Override
    public void afterSingletonsInstantiated() {
        ConfigurableListableBeanFactory factory = beanFactory;
        if (factory == null) {
            return;
        }
        Set<Class<?>> used = new HashSet<>(); // the view classes of controllers, handler arguments and beans
        for (AbstractHandlerMethodMapping<?> mapping : factory
                .getBeansOfType(AbstractHandlerMethodMapping.class, false, false).values()) {
            for (HandlerMethod handler : mapping.getHandlerMethods().values()) {
                verifyHandler(handler, used);
            }
        }
        for (String name : factory.getSingletonNames()) {
            if (!factory.containsBeanDefinition(name)) {
                Object singleton = factory.getSingleton(name);
                if (singleton != null && StashedViews.isStashedView(singleton.getClass())) {
                    throw new IllegalStateException("Bean '" + name + "' of class "
                            + ClassUtils.getUserClass(singleton).getName() + " has @Stashed fields but is registered "
                            + "as an instance, so one instance would be shared by every browser. Declare it as a "
                            + "@Controller bean (the starter then makes it per exchange).");
                }
            }
        }
        Map<String, Class<?>> viewBeans = new LinkedHashMap<>();
        for (String name : factory.getBeanDefinitionNames()) {
            if (factory.getBeanDefinition(name).isAbstract()) {
                continue;
            }
            Class<?> type = factory.getType(name, false);
            if (type != null && StashedViews.isStashedView(type)) {
                used.add(ClassUtils.getUserClass(type));
                refuseSingletonHolders(factory, name, type);
                viewBeans.put(name, ClassUtils.getUserClass(type));
            }
        }
        LazyViewHolders.refuse(factory, viewBeans);
        StashedClassScanner.refuseUnused(factory, environment, used);
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
            views.typeOf(controller);
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
        views.typeOf(type);
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

    private static boolean hasNoArgumentConstructor(Class<?> type) {
        try {
            type.getDeclaredConstructor();
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
