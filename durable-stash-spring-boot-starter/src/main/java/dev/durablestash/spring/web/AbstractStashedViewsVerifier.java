package dev.durablestash.spring.web;

import java.util.HashSet;
import java.util.LinkedHashMap;
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
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.util.ClassUtils;

/**
 * The startup check both integrations run once every singleton exists: each stack's verifier checks its
 * handler methods and its view beans, and this class walks the bean factory in the same order for both
 * (handler methods; singletons registered as instances, which are refused; bean definitions whose class
 * is a view) and ends with the scan for view classes nothing uses
 * ({@link StashedClassScanner#refuseUnused}). Public only so that both integrations can extend it
 * (support code, not an API: see the package description).
 *
 * <p><b>Thread-safety:</b> runs once, at startup.
 */
public abstract class AbstractStashedViewsVerifier implements SmartInitializingSingleton, BeanFactoryAware,
        EnvironmentAware {

    private final StashedViews views;
    private @Nullable ConfigurableListableBeanFactory beanFactory;
    private Environment environment = new StandardEnvironment();

    /** @param views the application's views, which build (and so check) each view class */
    protected AbstractStashedViewsVerifier(StashedViews views) {
        this.views = Objects.requireNonNull(views, "views");
    }

    /** @return the application's views */
    protected final StashedViews views() {
        return views;
    }

    @Override
    public final void setBeanFactory(BeanFactory beanFactory) throws BeansException {
        if (beanFactory instanceof ConfigurableListableBeanFactory listable) {
            this.beanFactory = listable;
        }
    }

    @Override
    public final void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    /**
     * @throws IllegalStateException or {@link IllegalArgumentException} naming the class of the first
     *     view declared in a way that would share or drop its state
     */
    @Override
    public final void afterSingletonsInstantiated() {
        ConfigurableListableBeanFactory factory = beanFactory;
        if (factory == null) {
            return;
        }
        Set<Class<?>> used = new HashSet<>(); // the view classes of controllers, handler arguments and beans
        verifyHandlers(factory, used);
        for (String name : factory.getSingletonNames()) {
            if (!factory.containsBeanDefinition(name)) {
                Object singleton = factory.getSingleton(name);
                if (singleton != null && StashedViews.isStashedView(singleton.getClass())) {
                    throw registeredAsInstance(name, singleton.getClass());
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
                verifyViewBean(factory, name, type);
                used.add(ClassUtils.getUserClass(type));
                viewBeans.put(name, ClassUtils.getUserClass(type));
            }
        }
        verifyViewBeans(factory, viewBeans);
        StashedClassScanner.refuseUnused(factory, environment, used);
    }

    /**
     * Checks every handler method of the stack.
     *
     * @param used collects the view classes of controllers and handler arguments
     */
    protected abstract void verifyHandlers(ConfigurableListableBeanFactory factory, Set<Class<?>> used);

    /** @return the failure for a singleton registered as an instance whose class is a view */
    protected abstract RuntimeException registeredAsInstance(String name, Class<?> type);

    /** Checks one bean definition whose class (as the definition shows it) is a view. */
    protected abstract void verifyViewBean(ConfigurableListableBeanFactory factory, String name, Class<?> type);

    /**
     * Checks the view beans together, after each was checked alone; nothing by default.
     *
     * @param viewBeans the user classes of the view beans, by bean name, in definition order
     */
    protected void verifyViewBeans(ConfigurableListableBeanFactory factory, Map<String, Class<?>> viewBeans) {
    }

    /**
     * Refuses a handler-method parameter that takes a view class inside another type, as a type argument
     * or an array's component ({@code Optional<Prefs>}, {@code HttpEntity<Prefs>}, {@code RequestEntity<Prefs>},
     * {@code Mono<Prefs>}, {@code List<Prefs>}, {@code Prefs[]}). The starter resolves only a parameter whose
     * type is the view class itself; another argument resolver makes this one (the model-attribute resolver
     * binds a fresh {@code Optional}, the body resolvers read one from the body), and that instance's fields
     * would be neither recovered nor stashed, while the handler answers as if they were.
     *
     * @param parameter a handler-method parameter whose type is not itself a view class
     * @param handler the handler method, for the message
     * @throws IllegalStateException naming the parameter, its type, and the view class and its fields
     */
    protected static void refuseViewInsideAnotherType(MethodParameter parameter, Object handler) {
        ResolvableType type = ResolvableType.forMethodParameter(parameter);
        Class<?> view = viewInside(type, 0);
        if (view != null) {
            Class<?> userClass = ClassUtils.getUserClass(view);
            throw new IllegalStateException("Parameter " + parameter.getParameterIndex() + " (" + type
                    + ") of handler " + handler + " takes view class " + userClass.getName() + ", with "
                    + ViewFields.describe(userClass) + ", inside another type. Only a parameter of the view "
                    + "class itself is recovered and stashed: another argument resolver makes this instance, so "
                    + "its fields would be neither recovered nor stashed. Take the view class as a parameter of "
                    + "its own (" + userClass.getSimpleName() + " " + Character.toLowerCase(
                            userClass.getSimpleName().charAt(0)) + userClass.getSimpleName().substring(1)
                    + "), and bind request data to another parameter.");
        }
    }

    /**
     * @param depth how deep {@code type} is inside the parameter's type; the parameter's own type (depth 0)
     *     is not a view, and the search stops at a depth no real parameter type reaches, so a recursive
     *     bound ({@code T extends Comparable<T>}) cannot loop
     * @return the first view class among the type arguments and array components of {@code type}, or
     *     {@code null}
     */
    private static @Nullable Class<?> viewInside(ResolvableType type, int depth) {
        if (depth > 8 || type == ResolvableType.NONE) {
            return null;
        }
        if (depth > 0) {
            Class<?> resolved = type.resolve();
            if (resolved != null && StashedViews.isStashedView(resolved)) {
                return resolved;
            }
        }
        if (type.isArray()) {
            return viewInside(type.getComponentType(), depth + 1);
        }
        for (ResolvableType generic : type.getGenerics()) {
            Class<?> found = viewInside(generic, depth + 1);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** @return {@code true} when the class declares a constructor without parameters (of any visibility) */
    protected static boolean hasNoArgumentConstructor(Class<?> type) {
        try {
            type.getDeclaredConstructor();
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
