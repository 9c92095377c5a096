package dev.durablestash.spring.web.servlet;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.aop.scope.ScopedObject;
import org.springframework.aop.scope.ScopedProxyUtils;
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
 * would hold one instance for every browser), or in a request whose handler is another (injected into a
 * bean made in that request, or looked up through an {@code ObjectProvider} or {@code getBean}): the
 * request scope is wrapped to say so ({@link ViewControllerScope});</li>
 * <li>as a bean post-processor, any bean, whatever its scope, into which a view controller or its scoped
 * proxy was injected (or that names one in {@code @DependsOn}): only Spring MVC makes a view controller, as
 * the handler of a request, and only that instance is recovered and stashed. A bean made at startup fails
 * startup; one made later (a request-scoped bean, another view controller, a singleton under
 * {@code spring.main.lazy-initialization}) fails when it is first made, which fails that request, and at
 * every later try;</li>
 * <li>as a bean post-processor, any view bean created without request scope, which catches the
 * definitions whose class cannot be seen before the bean exists ({@code @Bean} methods declared to
 * return a supertype, factory beans, inner beans).</li>
 * </ul>
 * Scoped proxies ({@code @Scope(proxyMode = ...)}) are fine: the scope of their target counts.
 *
 * <p>Consequence: such a controller is constructed for every request (constructor injection works
 * as usual), and it cannot be injected into other beans.
 *
 * <p>Cost: the view controllers' bean names are found once, at startup; a bean's dependencies are read
 * when the bean is first made, and not again for later instances of a bean that passed.
 *
 * <p><b>Thread-safety:</b> the factory post-processing runs once, at startup; the bean
 * post-processing is thread-safe.
 */
public final class StashedControllerScopePostProcessor implements BeanFactoryPostProcessor, BeanPostProcessor {

    private volatile @Nullable ConfigurableListableBeanFactory beanFactory;
    /** The view controllers' classes by bean name, and by the bean name of their scoped proxies. */
    private volatile Map<String, Class<?>> injectable = Map.of();
    /** The beans whose dependencies passed {@link #refuseInjectedViewControllers}: not read again. */
    private final Set<String> passed = ConcurrentHashMap.newKeySet();
    /**
     * The failures of the beans refused, to refuse them again: a singleton whose creation failed is made anew
     * at the next request for it, with the constructor arguments the bean factory cached, and the factory
     * then records no dependency for them.
     */
    private final Map<String, Supplier<IllegalStateException>> refused = new ConcurrentHashMap<>();

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
        Map<String, String> handlerNames = new HashMap<>();
        Map<String, Class<?>> byInjectedName = new HashMap<>(viewControllers);
        viewControllers.forEach((name, type) -> {
            String proxy = ScopedProxyUtils.isScopedTarget(name) ? ScopedProxyUtils.getOriginalBeanName(name) : null;
            if (proxy != null && beanFactory.containsBeanDefinition(proxy)) {
                handlerNames.put(name, proxy);
                byInjectedName.put(proxy, type);
            } else {
                handlerNames.put(name, name);
            }
        });
        Scope requestScope = beanFactory.getRegisteredScope(WebApplicationContext.SCOPE_REQUEST);
        if (requestScope != null && !viewControllers.isEmpty() && !(requestScope instanceof ViewControllerScope)) {
            Map<String, Class<?>> types = Map.copyOf(viewControllers);
            beanFactory.registerScope(WebApplicationContext.SCOPE_REQUEST, new ViewControllerScope(requestScope,
                    handlerNames, name -> ViewDeclarations.outsideRequest(types.get(name), name),
                    (name, handler) -> ViewDeclarations.notTheHandler(types.get(name), name, handler)));
        }
        this.injectable = Map.copyOf(byInjectedName);
        this.beanFactory = beanFactory;
    }

    /**
     * Refuses a bean into which a view controller was injected, and a view bean that was created without
     * request scope.
     *
     * @throws IllegalStateException naming the class and its {@code @Stashed} fields (and, for an injected
     *     view controller, the bean and class it was injected into)
     */
    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        ConfigurableListableBeanFactory factory = beanFactory;
        if (factory == null) {
            return bean; // not a web application context
        }
        refuseInjectedViewControllers(factory, bean, beanName);
        if (bean instanceof ScopedObject) {
            return bean; // a scoped proxy, whose target is checked itself
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

    /**
     * Refuses a bean that depends on a view controller or its scoped proxy: the bean factory records a
     * dependency for each bean autowiring injected (constructor, field, method, {@code @Resource}) and for
     * {@code @DependsOn}. The dependencies of a bean are read when it is first made; later instances of a bean
     * that passed (a request-scoped or prototype one) are not read again.
     *
     * @throws IllegalStateException naming the view controller, its {@code @Stashed} fields, and the bean
     */
    private void refuseInjectedViewControllers(ConfigurableListableBeanFactory factory, Object bean,
            String beanName) {
        Map<String, Class<?>> controllers = injectable;
        if (controllers.isEmpty() || passed.contains(beanName)) {
            return;
        }
        Supplier<IllegalStateException> earlier = refused.get(beanName);
        if (earlier != null) {
            throw earlier.get();
        }
        for (String dependency : factory.getDependenciesForBean(beanName)) {
            Class<?> controller = controllers.get(dependency);
            if (controller != null) {
                String scope = factory.containsBeanDefinition(beanName)
                        ? factory.getMergedBeanDefinition(beanName).getScope() : null;
                boolean proxy = controllers.containsKey(ScopedProxyUtils.getTargetBeanName(dependency));
                Class<?> holder = AopUtils.getTargetClass(bean);
                Supplier<IllegalStateException> failure = () -> ViewDeclarations.injectedInto(controller, dependency,
                        holder, beanName, scope, proxy);
                refused.put(beanName, failure);
                throw failure.get();
            }
        }
        passed.add(beanName);
    }
}
