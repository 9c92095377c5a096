package dev.durablestash.spring.web.reactive;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.annotation.Lazy;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;

import dev.durablestash.spring.web.ViewFields;

/**
 * Refuses a singleton that takes a view controller through {@code @Lazy} (a constructor, {@code @Bean}
 * method or injection-method parameter, or a field): the lazy-resolution proxy looks the per-exchange
 * controller up on every call, so each call reaches another new instance, whose fields are never
 * recovered or stashed. Such an injection registers no dependency at startup, so the check reads the
 * singleton's class (and factory method) instead. A controller reached through {@code ObjectProvider} or
 * {@code getBean} is not seen.
 *
 * <p><b>Thread-safety:</b> runs once, at startup.
 */
final class LazyViewHolders {

    private LazyViewHolders() {
    }

    /**
     * @param factory the application's bean factory
     * @param viewControllers the view controllers' bean names and classes
     * @throws IllegalStateException naming the controller's bean, the singleton and the injection point
     */
    static void refuse(ConfigurableListableBeanFactory factory, Map<String, Class<?>> viewControllers) {
        if (viewControllers.isEmpty()) {
            return;
        }
        for (String name : factory.getBeanDefinitionNames()) {
            BeanDefinition definition = factory.getMergedBeanDefinition(name);
            if (definition.isAbstract() || !definition.isSingleton()) {
                continue;
            }
            try {
                if (definition instanceof RootBeanDefinition root && root.getResolvedFactoryMethod() != null) {
                    checkParameters(root.getResolvedFactoryMethod(), name, viewControllers);
                }
                Class<?> type = factory.getType(name, false);
                if (type != null) {
                    check(ClassUtils.getUserClass(type), name, viewControllers);
                }
            } catch (LinkageError e) {
                // a class that cannot be inspected: not one the application runs with a view
            }
        }
    }

    private static void check(Class<?> type, String holder, Map<String, Class<?>> viewControllers) {
        for (Class<?> current = type; current != null && current != Object.class; current = current.getSuperclass()) {
            for (Executable constructor : current.getDeclaredConstructors()) {
                checkParameters(constructor, holder, viewControllers);
            }
            for (Method method : current.getDeclaredMethods()) {
                checkParameters(method, holder, viewControllers);
            }
            for (Field field : current.getDeclaredFields()) {
                if (AnnotatedElementUtils.hasAnnotation(field, Lazy.class)) {
                    refuseIfView(field.getType(), field, holder, viewControllers);
                }
            }
        }
    }

    private static void checkParameters(Executable executable, String holder, Map<String, Class<?>> viewControllers) {
        boolean lazyExecutable = AnnotatedElementUtils.hasAnnotation(executable, Lazy.class)
                && !(executable instanceof Method method && method.getReturnType() != void.class); // a lazy @Bean
        for (Parameter parameter : executable.getParameters()) {
            if (lazyExecutable || AnnotatedElementUtils.hasAnnotation(parameter, Lazy.class)) {
                refuseIfView(parameter.getType(), parameter, holder, viewControllers);
            }
        }
    }

    private static void refuseIfView(Class<?> declared, AnnotatedElement where, String holder,
            Map<String, Class<?>> viewControllers) {
        String controller = controllerOf(declared, viewControllers);
        if (controller == null) {
            return;
        }
        Class<?> userClass = viewControllers.get(controller);
        throw new IllegalStateException("Controller " + userClass.getName() + " (bean '" + controller + "') has "
                + ViewFields.describe(userClass) + " and is made afresh for every exchange, but singleton bean '"
                + holder + "' takes it with @Lazy (" + where + "): every call through the lazy proxy would reach "
                + "another new instance, whose fields are never recovered or stashed. Do not inject a view "
                + "controller: move what '" + holder + "' needs from it into a bean without @Stashed fields, and "
                + "use that from both.");
    }

    private static @Nullable String controllerOf(Class<?> declared, Map<String, Class<?>> viewControllers) {
        if (declared == Object.class) {
            return null;
        }
        for (Map.Entry<String, Class<?>> entry : viewControllers.entrySet()) {
            if (declared.isAssignableFrom(entry.getValue())) {
                return entry.getKey();
            }
        }
        return null;
    }
}
