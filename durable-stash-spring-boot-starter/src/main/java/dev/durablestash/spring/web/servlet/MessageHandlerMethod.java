package dev.durablestash.spring.web.servlet;

import java.lang.reflect.Method;
import java.util.List;

import org.springframework.core.MethodParameter;
import org.springframework.util.ClassUtils;

/**
 * A message-handling method of a controller ({@code @MessageMapping}, {@code @SubscribeMapping}), as
 * {@link MessageHandlerMethods} finds it for the startup check: plain types, so that the check needs
 * no spring-messaging class.
 *
 * @param beanType the controller's class (as its bean definition shows it)
 * @param method the method
 * @param parameters the method's parameters
 */
record MessageHandlerMethod(Class<?> beanType, Method method, List<MethodParameter> parameters) {

    MessageHandlerMethod {
        parameters = List.copyOf(parameters);
    }

    /** @return "a.b.Controller#method", for the startup failures */
    String description() {
        return ClassUtils.getUserClass(beanType).getName() + "#" + method.getName();
    }
}
