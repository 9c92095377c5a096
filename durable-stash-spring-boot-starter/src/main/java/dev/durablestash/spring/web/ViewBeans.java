package dev.durablestash.spring.web;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.stereotype.Controller;
import org.springframework.util.ClassUtils;

/**
 * What both web integrations ask of a bean definition before its bean exists, to give view controllers
 * their per-request (MVC) or per-exchange (WebFlux) scope. Support code shared by the starter's web
 * packages, not an API for applications.
 */
public final class ViewBeans {

    /**
     * Whether a class is a controller, found once per class: a view controller is made for every
     * request (every exchange), and the post-processors that check it ask each time.
     */
    private static final ClassValue<Boolean> IS_CONTROLLER = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return AnnotatedElementUtils.hasAnnotation(type, Controller.class);
        }
    };

    private ViewBeans() {
    }

    /**
     * @param type a class, possibly a CGLIB subclass of the user's class
     * @return whether the (user) class is a Spring controller ({@code @Controller}, directly or as a
     *     meta-annotation such as {@code @RestController}); cached per class, thread-safe
     */
    public static boolean isController(Class<?> type) {
        return IS_CONTROLLER.get(ClassUtils.getUserClass(type));
    }

    /**
     * @param definition a bean definition
     * @param beanFactory the factory that holds it
     * @return the class its bean will have as far as the definition shows (its bean class, or a
     *     {@code @Bean} method's declared return type), or {@code null} when it does not show it
     */
    public static @Nullable Class<?> beanClass(BeanDefinition definition, ConfigurableListableBeanFactory beanFactory) {
        String className;
        if (definition.getFactoryMethodName() == null) {
            className = definition.getBeanClassName();
        } else if (definition instanceof AnnotatedBeanDefinition annotated
                && annotated.getFactoryMethodMetadata() != null) {
            className = annotated.getFactoryMethodMetadata().getReturnTypeName(); // a @Bean method
        } else {
            className = null;
        }
        if (className == null) {
            return null;
        }
        try {
            return ClassUtils.forName(className, beanFactory.getBeanClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /**
     * @param scope a bean definition's scope
     * @return whether it means singleton (none given counts as singleton)
     */
    public static boolean isSingleton(@Nullable String scope) {
        return scope == null || scope.isEmpty() || ConfigurableBeanFactory.SCOPE_SINGLETON.equals(scope);
    }

    /**
     * The failure for a WebSocket handler whose class has {@code @Stashed} fields, on either stack: nothing
     * recovers or stashes them (the starter does so only in HTTP requests), and a handler instance serves
     * every connection, of every browser, unless one is made for each connection.
     *
     * @param type the handler's class, or the class of those made for each connection
     * @param where where it was found, e.g. {@code at /notes} or {@code bean 'notesSocket'}
     * @param madeBy what makes an instance for each connection ({@code PerConnectionWebSocketHandler}), or
     *     {@code null} when one instance serves every connection
     * @param whatToDo the stack's advice, appended to the message
     * @return the failure, naming the class and its fields
     */
    public static IllegalStateException webSocketHandlerWithStashedFields(Class<?> type, String where,
            @Nullable String madeBy, String whatToDo) {
        Class<?> userClass = ClassUtils.getUserClass(type);
        return new IllegalStateException("WebSocket handler " + userClass.getName() + " (" + where
                + (madeBy == null ? "" : ", made for each connection by a " + madeBy) + ") has "
                + ViewFields.describe(userClass) + ", but a WebSocket handler is not a view: " + (madeBy == null
                        ? "one instance serves every connection, of every browser, and nothing recovers or stashes "
                                + "its fields."
                        : "an instance made for each connection is shared by no two browsers, but nothing recovers "
                                + "or stashes its fields either, so their values last only as long as the connection.")
                + " Remove @Stashed. " + whatToDo);
    }
}
