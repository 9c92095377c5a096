package dev.durablestash.spring.web.servlet;

import java.util.HashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.aop.scope.ScopedObject;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.config.Scope;
import org.springframework.web.context.WebApplicationContext;

import dev.durablestash.spring.web.StashedViews;
import dev.durablestash.spring.web.ViewBeans;

/**
 * Gives every {@code @Controller} that is a view (a class with {@code @Stashed} fields, or annotated
 * with {@code @StashedView}) <b>request scope</b>, so each request gets its own instance and two
 * requests never share field values. Spring MVC looks a handler's bean up by name for each request,
 * so no scoped proxy is needed. Applies to component-scanned controllers and to {@code @Bean} methods
 * whose declared return type is such a controller.
 *
 * <p>Fails startup, naming the class and its {@code @Stashed} fields, for every view bean whose
 * fields would otherwise be shared between browsers:
 * <ul>
 * <li>a bean definition of a view class that is not a controller (a {@code @Component},
 * {@code @Service}, ...): only controllers and handler-method arguments are recovered and stashed;</li>
 * <li>a view controller declared with a scope other than singleton (re-scoped) or request (kept),
 * such as {@code prototype} or {@code session};</li>
 * <li>a view controller asked for outside a request, such as one injected into a singleton (which
 * would hold one instance for every browser): the request scope is wrapped to say so
 * ({@link ViewControllerScope});</li>
 * <li>as a bean post-processor, any view bean created without request scope, which catches the
 * definitions whose class cannot be seen before the bean exists ({@code @Bean} methods declared to
 * return a supertype, factory beans, inner beans).</li>
 * </ul>
 * Scoped proxies ({@code @Scope(proxyMode = ...)}) are fine: the scope of their target counts.
 *
 * <p>Consequence: such a controller is constructed for every request (constructor injection works
 * as usual), and it cannot be injected into singletons.
 *
 * <p><b>Thread-safety:</b> the factory post-processing runs once, at startup; the bean
 * post-processing is thread-safe.
 */
public final class StashedControllerScopePostProcessor implements BeanFactoryPostProcessor, BeanPostProcessor {

    private volatile @Nullable ConfigurableListableBeanFactory beanFactory;

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        if (beanFactory.getRegisteredScope(WebApplicationContext.SCOPE_REQUEST) == null) {
            return;
        }
        Map<String, Class<?>> viewControllers = new HashMap<>();
        for (String name : beanFactory.getBeanDefinitionNames()) {
            BeanDefinition definition = beanFactory.getBeanDefinition(name);
            if (definition.isAbstract()) {
                continue;
            }
            Class<?> type = ViewBeans.beanClass(definition, beanFactory);
            if (type == null || !StashedViews.isStashedView(type)) {
                continue;
            }
            if (!ViewDeclarations.isController(type)) {
                throw ViewDeclarations.notAController(type, name);
            }
            String scope = definition.getScope();
            if (ViewBeans.isSingleton(scope)) {
                definition.setScope(WebApplicationContext.SCOPE_REQUEST);
            } else if (!WebApplicationContext.SCOPE_REQUEST.equals(scope)) {
                throw ViewDeclarations.wrongScope(type, name, scope);
            }
            viewControllers.put(name, type);
        }
        Scope requestScope = beanFactory.getRegisteredScope(WebApplicationContext.SCOPE_REQUEST);
        if (requestScope != null && !viewControllers.isEmpty() && !(requestScope instanceof ViewControllerScope)) {
            Map<String, Class<?>> types = Map.copyOf(viewControllers);
            beanFactory.registerScope(WebApplicationContext.SCOPE_REQUEST, new ViewControllerScope(requestScope,
                    types.keySet(), name -> ViewDeclarations.outsideRequest(types.get(name), name)));
        }
        this.beanFactory = beanFactory;
    }

    /**
     * Refuses a view bean that was created without request scope.
     *
     * @throws IllegalStateException naming the class and its {@code @Stashed} fields
     */
    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        ConfigurableListableBeanFactory factory = beanFactory;
        if (factory == null || bean instanceof ScopedObject) {
            return bean; // not a web application context; or a scoped proxy, whose target is checked itself
        }
        Class<?> type = AopUtils.getTargetClass(bean);
        if (!StashedViews.isStashedView(type)) {
            return bean;
        }
        if (!ViewDeclarations.isController(type)) {
            throw ViewDeclarations.notAController(type, beanName);
        }
        if (!factory.containsBeanDefinition(beanName)) {
            throw ViewDeclarations.notRequestScoped(type, beanName, "not a bean of its own (an inner bean or a "
                    + "factory bean's product)");
        }
        String scope = factory.getMergedBeanDefinition(beanName).getScope();
        if (!WebApplicationContext.SCOPE_REQUEST.equals(scope)) {
            throw ViewBeans.isSingleton(scope) ? ViewDeclarations.notRequestScoped(type, beanName, "a singleton")
                    : ViewDeclarations.wrongScope(type, beanName, scope);
        }
        return bean;
    }
}
