package dev.durablestash.spring.web.servlet;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.stereotype.Controller;
import org.springframework.util.ClassUtils;
import org.springframework.web.context.WebApplicationContext;

import dev.durablestash.spring.StashedViews;

/**
 * Gives every {@code @Controller} that is a {@code @StashedView} <b>request scope</b>, so each
 * request gets its own instance and two concurrent requests never share field values. Spring MVC
 * looks a handler's bean up by name for each request, so no scoped proxy is needed. Applies to
 * component-scanned controllers and to {@code @Bean} methods whose declared return type is such a
 * controller. Controllers that declare a scope other than singleton keep it.
 *
 * <p>Consequence: such a controller is constructed for every request (constructor injection works
 * as usual), and it should not be injected into singletons.
 *
 * <p><b>Thread-safety:</b> runs once, at startup.
 */
public final class StashedControllerScopePostProcessor implements BeanFactoryPostProcessor {

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        if (beanFactory.getRegisteredScope(WebApplicationContext.SCOPE_REQUEST) == null) {
            return;
        }
        for (String name : beanFactory.getBeanDefinitionNames()) {
            BeanDefinition definition = beanFactory.getBeanDefinition(name);
            String scope = definition.getScope();
            boolean singleton = scope == null || scope.isEmpty() || ConfigurableBeanFactory.SCOPE_SINGLETON.equals(scope);
            if (!singleton || definition.isAbstract()) {
                continue;
            }
            Class<?> type = beanClass(definition, beanFactory);
            if (type != null && AnnotatedElementUtils.hasAnnotation(type, Controller.class)
                    && StashedViews.isStashedView(type)) {
                definition.setScope(WebApplicationContext.SCOPE_REQUEST);
            }
        }
    }

    private static @Nullable Class<?> beanClass(BeanDefinition definition, ConfigurableListableBeanFactory beanFactory) {
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
}
