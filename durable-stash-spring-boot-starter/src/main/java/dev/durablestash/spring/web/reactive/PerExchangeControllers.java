package dev.durablestash.spring.web.reactive;


import org.jspecify.annotations.Nullable;

import org.springframework.aop.scope.ScopedObject;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;
import org.springframework.web.reactive.socket.WebSocketHandler;

import dev.durablestash.spring.web.StashedViews;
import dev.durablestash.spring.web.ViewBeans;
import dev.durablestash.spring.web.ViewFields;

/**
 * Gives every {@code @Controller} that is a view (a class with {@code @Stashed} fields, or annotated
 * with {@code @StashedView}) a fresh instance per WebFlux exchange. WebFlux has no request scope, but
 * it looks a handler's bean up by name for every exchange ({@code HandlerMethod.createWithResolvedBean}),
 * so a view controller is made {@code prototype}: each exchange gets its own instance, and two
 * exchanges, of one browser or of two, never see each other's fields. Applies to component-scanned
 * controllers and to {@code @Bean} methods whose declared return type is the controller class.
 *
 * <p>Fails startup, naming the class and its {@code @Stashed} fields, for a view bean that is not a
 * controller (its fields would be shared by every browser), a view controller declared with a scope
 * other than singleton (re-scoped) or prototype (kept), and, as a bean post-processor, a view bean
 * created as a singleton (its definition did not show its class: a {@code @Bean} method declared to
 * return a supertype, a factory bean's product).
 *
 * <p>Consequence: such a controller is constructed for every exchange (keep its constructor cheap),
 * and it should not be injected into singletons.
 *
 * <p><b>Thread-safety:</b> the factory post-processing runs once, at startup; the bean
 * post-processing is thread-safe.
 */
public final class PerExchangeControllers implements BeanFactoryPostProcessor, BeanPostProcessor {

    private volatile @Nullable ConfigurableListableBeanFactory beanFactory;

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        for (String name : beanFactory.getBeanDefinitionNames()) {
            BeanDefinition definition = beanFactory.getBeanDefinition(name);
            if (definition.isAbstract()) {
                continue;
            }
            Class<?> type = ViewBeans.beanClass(definition, beanFactory);
            if (type == null || !StashedViews.isStashedView(type)) {
                continue;
            }
            if (!isController(type)) {
                throw notAController(type, name);
            }
            String scope = definition.getScope();
            if (ViewBeans.isSingleton(scope)) {
                definition.setScope(ConfigurableBeanFactory.SCOPE_PROTOTYPE);
            } else if (!ConfigurableBeanFactory.SCOPE_PROTOTYPE.equals(scope)) {
                throw wrongScope(type, name, "declared with scope '" + scope + "'");
            }
        }
        this.beanFactory = beanFactory;
    }

    /**
     * Refuses a view bean that was created as a singleton.
     *
     * @throws IllegalStateException naming the class and its {@code @Stashed} fields
     */
    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        ConfigurableListableBeanFactory factory = beanFactory;
        if (factory == null || bean instanceof ScopedObject) {
            return bean;
        }
        Class<?> type = AopUtils.getTargetClass(bean);
        if (!StashedViews.isStashedView(type)) {
            return bean;
        }
        if (!isController(type)) {
            throw notAController(type, beanName);
        }
        if (!factory.containsBeanDefinition(beanName)) {
            throw wrongScope(type, beanName, "not a bean of its own (an inner bean or a factory bean's product)");
        }
        String scope = factory.getMergedBeanDefinition(beanName).getScope();
        if (!ConfigurableBeanFactory.SCOPE_PROTOTYPE.equals(scope)) {
            throw wrongScope(type, beanName, ViewBeans.isSingleton(scope) ? "a singleton" : "declared with scope '" + scope + "'");
        }
        return bean;
    }

    static boolean isController(Class<?> type) {
        return ViewBeans.isController(type);
    }


    private static IllegalStateException notAController(Class<?> type, String beanName) {
        Class<?> userClass = ClassUtils.getUserClass(type);
        if (WebSocketHandler.class.isAssignableFrom(userClass)) {
            return ViewBeans.webSocketHandlerWithStashedFields(userClass, "bean '" + beanName + "'", null,
                    StashedViewsWebFluxVerifier.KEEP_STATE_IN_PAGE_REQUESTS);
        }
        return new IllegalStateException("Bean '" + beanName + "' of class " + userClass.getName() + " has "
                + ViewFields.describe(userClass) + ", but it is not a @Controller: as a bean its fields would be shared by every "
                + "browser and never stored. @Stashed fields work on controllers (every exchange gets its own "
                + "instance) and on classes taken as handler-method arguments: move the fields to a controller, or "
                + "take the class as a handler-method argument and do not declare it as a bean.");
    }

    private static IllegalStateException wrongScope(Class<?> type, String beanName, String how) {
        Class<?> userClass = ClassUtils.getUserClass(type);
        return new IllegalStateException("Controller " + userClass.getName() + " (bean '" + beanName + "') has "
                + ViewFields.describe(userClass) + " but is " + how + ": in WebFlux a controller with @Stashed fields must be "
                + "made afresh for every exchange (prototype), so that no two exchanges share its fields. Remove its "
                + "@Scope (the starter then makes it per exchange), or declare a @Bean method's return type as "
                + userClass.getName() + ".");
    }
}
