package dev.durablestash.spring.web.reactive;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

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
 * <p>As a bean post-processor it also refuses any bean, whatever its scope, into which a view controller was
 * injected (or that names one in {@code @DependsOn}): only WebFlux makes a view controller, as the handler of
 * an exchange, and only that instance is recovered and stashed; an injected one is another, whose fields are
 * never recovered and whose changes are never stored. A bean made at startup fails startup; one made later
 * (another view controller, a singleton under {@code spring.main.lazy-initialization}) fails when it is
 * first made, which fails that exchange, and at every later try. A view controller looked up through an
 * {@code ObjectProvider} or {@code getBean} is not seen.
 *
 * <p>Consequence: such a controller is constructed for every exchange (keep its constructor cheap),
 * and it cannot be injected into other beans.
 *
 * <p>Cost: the view controllers' bean names are found once, at startup; a bean's dependencies are read
 * when the bean is first made, and not again for later instances of a bean that passed.
 *
 * <p><b>Thread-safety:</b> the factory post-processing runs once, at startup; the bean
 * post-processing is thread-safe.
 */
public final class PerExchangeControllers implements BeanFactoryPostProcessor, BeanPostProcessor {

    /** What to do instead of injecting a view controller into another bean. */
    static final String DO_NOT_INJECT = "Do not inject a view controller into another bean, nor look it up "
            + "(ObjectProvider, getBean): to share a browser's state between controllers, keep it in a class with "
            + "@Stashed fields (or annotated @StashedView) that each handler takes as a handler-method argument, and "
            + "move anything else the other bean needs into a bean without @Stashed fields, used from both.";

    private volatile @Nullable ConfigurableListableBeanFactory beanFactory;
    /** The view controllers' classes by bean name. */
    private volatile Map<String, Class<?>> viewControllers = Map.of();
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
        Map<String, Class<?>> found = new HashMap<>();
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
            found.put(name, ClassUtils.getUserClass(type));
        }
        this.viewControllers = Map.copyOf(found);
        this.beanFactory = beanFactory;
    }

    /**
     * Refuses a bean into which a view controller was injected, and a view bean that was created as a
     * singleton.
     *
     * @throws IllegalStateException naming the class and its {@code @Stashed} fields (and, for an injected
     *     view controller, the bean and class it was injected into)
     */
    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        ConfigurableListableBeanFactory factory = beanFactory;
        if (factory == null) {
            return bean;
        }
        refuseInjectedViewControllers(factory, bean, beanName);
        if (bean instanceof ScopedObject) {
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

    /**
     * Refuses a bean that depends on a view controller: the bean factory records a dependency for each bean
     * autowiring injected (constructor, field, method, {@code @Resource}) and for {@code @DependsOn}. The
     * dependencies of a bean are read when it is first made; later instances of a bean that passed (a
     * prototype, such as a view controller) are not read again.
     *
     * @throws IllegalStateException naming the view controller, its {@code @Stashed} fields, and the bean
     */
    private void refuseInjectedViewControllers(ConfigurableListableBeanFactory factory, Object bean,
            String beanName) {
        Map<String, Class<?>> controllers = viewControllers;
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
                String into = ViewBeans.isSingleton(scope) ? "singleton bean '" + beanName + "'"
                        : "bean '" + beanName + "' (scope '" + scope + "')";
                String message = "Controller " + controller.getName() + " (bean '" + dependency + "') has "
                        + ViewFields.describe(controller) + " and is made afresh for every exchange, but it is "
                        + "injected into " + into + " of class "
                        + ClassUtils.getUserClass(AopUtils.getTargetClass(bean)).getName() + ". Only WebFlux makes a "
                        + "view controller, as the handler of an exchange, and only that instance is recovered "
                        + "before the handler runs and stashed after it: the injected instance's fields are never "
                        + "recovered, and its changes are never stored" + (ViewBeans.isSingleton(scope)
                                ? " (and a singleton would share it between every browser)" : "")
                        + ". " + DO_NOT_INJECT;
                Supplier<IllegalStateException> failure = () -> new IllegalStateException(message);
                refused.put(beanName, failure);
                throw failure.get();
            }
        }
        passed.add(beanName);
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
