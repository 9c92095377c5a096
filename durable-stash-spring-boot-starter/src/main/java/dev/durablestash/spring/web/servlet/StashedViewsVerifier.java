package dev.durablestash.spring.web.servlet;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;
import org.springframework.web.HttpRequestHandler;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.handler.AbstractHandlerMethodMapping;
import org.springframework.web.servlet.handler.MappedInterceptor;
import org.springframework.web.servlet.mvc.Controller;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.web.AbstractStashedViewsVerifier;
import dev.durablestash.spring.web.StashedViews;
import dev.durablestash.spring.web.ViewBeans;

/**
 * Checks the application's views once every singleton exists (the handler mappings and adapters
 * included), and fails startup, naming the class and its {@code @Stashed} fields, for each view that
 * would share its fields between browsers or silently never store them. It builds every view it
 * finds ({@link StashedViews#definitionOf}), which rejects static and final {@code @Stashed} fields and two
 * views with the same name, and checks:
 * <ul>
 * <li>every handler method that binds a view (its controller, or a parameter): the handler mapping that maps
 * it must have the starter's interceptor ({@link StashBeforeResponsePostProcessor} gives it to every handler
 * mapping bean, also when the application configures Spring MVC without {@code WebMvcConfigurer}s), which
 * recovers and stashes the views;</li>
 * <li>every handler method's controller that is a view: it must be a bean with request scope (after
 * {@link StashedControllerScopePostProcessor}), not a registered instance, and its scoped proxy (a
 * {@code @RequestScope} controller has one) must not be injected into a singleton;</li>
 * <li>every handler method that binds a view (its controller, or a parameter): it must not be annotated
 * {@code @ResponseStatus} with a reason, which Spring MVC sends with {@code sendError}, committing the
 * response before the view can be stashed;</li>
 * <li>every handler-method parameter whose type is a view: the starter's argument resolver must be
 * the one that resolves it (not {@code @RequestBody}, {@code @ModelAttribute}, {@code @RequestParam}
 * ...; a handler adapter must have it), and the class must have a no-argument constructor;</li>
 * <li>every other handler-method parameter: it must not take a view class inside another type
 * ({@code Optional<Prefs>}, {@code HttpEntity<Prefs>}, ...; {@link #refuseViewInsideAnotherType});</li>
 * <li>every {@link Stash} parameter: its handler must have a view (the controller, or exactly one
 * view parameter type);</li>
 * <li>the {@code @ModelAttribute} methods Spring MVC invokes before a handler and the {@code @InitBinder}
 * methods it invokes whenever it makes a data binder for one, the controller's and those of the
 * {@code @ControllerAdvice} beans that apply to it: their parameters as a handler's, each with the
 * resolvers Spring MVC invokes the method with (an {@code @InitBinder} method's include the starter's: a
 * view it takes as a parameter of its own is recovered, and stashed with the request's other views), and
 * a {@link Stash} parameter must have a view (the class the method is invoked on, or exactly one view
 * parameter type); the failure names the method, and the advice bean;</li>
 * <li>the {@code @ExceptionHandler} methods of the controllers and of every {@code @ControllerAdvice} bean:
 * a view or {@link Stash} parameter, or a view inside another type, is refused, since nothing is stashed for
 * a handler that failed, also when an exception handler answers ({@link AbstractStashedViewsVerifier});</li>
 * <li>every singleton registered as an instance (no bean definition) whose class is a view;</li>
 * <li>every bean definition whose class is a view (built, so its fields and name are checked): it must not
 * handle requests as Spring MVC's {@link Controller} interface or an {@link HttpRequestHandler} (a controller
 * mapped by its bean name, say), since only {@code @RequestMapping} handler methods recover and stash a
 * view;</li>
 * <li>with spring-messaging on the classpath, every message-handling method ({@code @MessageMapping},
 * {@code @SubscribeMapping}) that its method message handlers (STOMP's) found: its controller must not
 * be a view, and it must take neither a view (as the parameter's type or inside it), nor a
 * {@link Stash}, nor a {@link BrowserSession}. It runs outside any HTTP request: such a controller
 * cannot be created there, a view parameter would be made from the message's payload (never recovered
 * nor stored), and the handles do not exist;</li>
 * <li>with spring-websocket on the classpath, every WebSocket handler mapped to a URL (with or without
 * SockJS): its class must not be a view, since one instance serves every connection and nothing recovers or
 * stashes its fields; nor must the class a {@code PerConnectionWebSocketHandler} makes for each connection,
 * whose fields nothing recovers or stashes either;</li>
 * <li>every class under the application's packages ({@link AutoConfigurationPackages}, the package
 * of the {@code @SpringBootApplication} class and below) that declares {@code @Stashed} fields: it
 * must be one of the controllers or argument classes above, or a superclass of one, or a class
 * annotated as a controller there, or a parameter type of one's request-mapping, {@code @ModelAttribute}
 * or {@code @InitBinder} methods or of those of a class annotated {@code @ControllerAdvice} there (a
 * test slice such as {@code @WebMvcTest(OneController.class)} makes only some controllers beans);
 * otherwise its fields would never be recovered or stored.</li>
 * </ul>
 *
 * <p><b>Limits.</b> Classes outside the application's packages are checked only when they appear as
 * a bean or a handler-method parameter type: one that the application merely creates with
 * {@code new} is not found, and its fields stay plain fields. Test classes in the application's
 * packages are scanned with the application in tests, so a test-only class with {@code @Stashed}
 * fields belongs in another package. A lazy bean whose class its definition does not show is checked
 * when it is created, not at startup. Handler methods registered after startup are not checked. An
 * advice bean's methods are checked for the handlers it applies to; those of one that applies to none
 * never run, and are not checked.
 *
 * <p><b>Thread-safety:</b> runs once, at startup.
 */
public final class StashedViewsVerifier extends AbstractStashedViewsVerifier {

    /**
     * The argument resolvers, in order, of the handler adapter that has the starter's: for handler and
     * {@code @ModelAttribute} methods, and for {@code @InitBinder} methods. Empty when no adapter has it.
     */
    private List<HandlerMethodArgumentResolver> argumentResolvers = List.of();
    private List<HandlerMethodArgumentResolver> initBinderResolvers = List.of();

    /** @param views the application's views, which build (and so check) each view class */
    public StashedViewsVerifier(StashedViews views) {
        super(views);
    }

    @Override
    protected void verifyHandlers(ConfigurableListableBeanFactory factory, Set<Class<?>> used) {
        RequestMappingHandlerAdapter adapter = adapterWithTheStartersResolver(factory);
        if (adapter != null) {
            argumentResolvers = copy(adapter.getArgumentResolvers());
            initBinderResolvers = copy(adapter.getInitBinderArgumentResolvers());
        }
        Map<String, AbstractHandlerMethodMapping> mappings = factory.getBeansOfType(
                AbstractHandlerMethodMapping.class, false, false);
        for (Map.Entry<String, AbstractHandlerMethodMapping> entry : mappings.entrySet()) {
            AbstractHandlerMethodMapping<?> mapping = entry.getValue();
            boolean intercepted = hasTheStartersInterceptor(mapping);
            for (HandlerMethod handler : mapping.getHandlerMethods().values()) {
                Class<?> view = verifyHandler(factory, handler, used);
                if (view != null && !intercepted) {
                    throw notIntercepted(entry.getKey(), mapping, handler, view);
                }
                verifySupportMethods(handler, used);
            }
        }
        ClassLoader classLoader = factory.getBeanClassLoader();
        if (ClassUtils.isPresent(MessageHandlerMethods.HANDLER_CLASS, classLoader)) {
            for (MessageHandlerMethod handler : MessageHandlerMethods.in(factory)) {
                verifyMessageHandler(handler);
            }
        }
        if (ClassUtils.isPresent(WebSocketHandlerTypes.HANDLER_CLASS, classLoader)) {
            WebSocketHandlerTypes.in(factory).forEach((path, chain) -> {
                for (WebSocketHandlerTypes.Found handler : chain) {
                    if (StashedViews.isStashedView(handler.type())) {
                        throw ViewBeans.webSocketHandlerWithStashedFields(handler.type(), "at " + path,
                                handler.perConnection() ? "PerConnectionWebSocketHandler" : null,
                                ViewDeclarations.KEEP_STATE_IN_PAGE_REQUESTS);
                    }
                }
            });
        }
    }

    /**
     * Checks the parameters of a {@code @ModelAttribute} method as a handler's, with the same argument
     * resolvers, and those of an {@code @InitBinder} method so too, with the resolvers Spring MVC invokes it
     * with: they include the starter's, so a view an {@code @InitBinder} method takes as a parameter of its
     * own is recovered, and stashed with the request's other views ({@link HandlerViews} counts it among the
     * handler's, for its turn).
     */
    @Override
    protected void verifySupportMethod(MethodParameter[] parameters, boolean initBinder, String method,
            Set<Class<?>> used) {
        Takes takes = verifyParameters(parameters, method, initBinder ? initBinderResolvers : argumentResolvers,
                used);
        if (takes.stash() && takes.views().size() != 1) {
            Class<?> owner = parameters[0].getContainingClass(); // a Stash is one of them
            if (!StashedViews.isStashedView(owner)) {
                throw stashWithoutOneView("Stash", method, "the class it is invoked on (" + ClassUtils.getUserClass(owner)
                        .getName() + ")", takes.views());
            }
        }
    }

    /**
     * Refuses a message-handling method that would use a view, a {@link Stash} or a {@link BrowserSession}:
     * it runs outside any HTTP request, where the starter does nothing.
     */
    private static void verifyMessageHandler(MessageHandlerMethod handler) {
        if (StashedViews.isStashedView(handler.beanType())) {
            throw ViewDeclarations.handlesMessages(handler.beanType(), handler.description());
        }
        for (MethodParameter parameter : handler.parameters()) {
            Class<?> type = parameter.getParameterType();
            if (type == Stash.class || type == BrowserSession.class) {
                throw ViewDeclarations.requestHandleOfMessageHandler(parameter.getParameterIndex(), type,
                        handler.description());
            }
            Class<?> view = StashedViews.isStashedView(type) ? type : viewInside(parameter);
            if (view != null) {
                throw ViewDeclarations.viewOfMessageHandler(parameter.getParameterIndex(),
                        ResolvableType.forMethodParameter(parameter).toString(), view, handler.description());
            }
        }
    }

    @Override
    protected RuntimeException registeredAsInstance(String name, Class<?> type) {
        return ViewDeclarations.notRequestScoped(type, name, "registered as an instance");
    }

    /**
     * Builds the view, and refuses a view bean that handles requests as Spring MVC's {@link Controller}
     * interface or an {@link HttpRequestHandler}: only {@code @RequestMapping} handler methods recover and stash
     * a view.
     */
    @Override
    protected void verifyViewBean(ConfigurableListableBeanFactory factory, String name, Class<?> type) {
        Class<?> userClass = ClassUtils.getUserClass(type);
        Class<?> handlerInterface = Controller.class.isAssignableFrom(userClass) ? Controller.class
                : HttpRequestHandler.class.isAssignableFrom(userClass) ? HttpRequestHandler.class : null;
        if (handlerInterface != null) {
            throw new IllegalStateException("Bean '" + name + "' of class " + userClass.getName() + " has "
                    + ViewDeclarations.fields(userClass) + " and handles requests as " + handlerInterface.getName()
                    + " (mapped by its bean name, say), but only @RequestMapping handler methods recover and stash a "
                    + "view: its fields would never be recovered nor stored. Handle the requests with "
                    + "@RequestMapping methods (@GetMapping, @PostMapping, ...) instead of implementing "
                    + handlerInterface.getSimpleName() + ", or remove @Stashed.");
        }
        views().definitionOf(type);
    }

    /** @return whether the mapping's interceptors include the starter's, as such or mapped to paths */
    private static boolean hasTheStartersInterceptor(AbstractHandlerMethodMapping<?> mapping) {
        HandlerInterceptor[] interceptors = mapping.getAdaptedInterceptors(); // null when it has none
        if (interceptors == null) {
            return false;
        }
        for (HandlerInterceptor interceptor : interceptors) {
            HandlerInterceptor actual = interceptor instanceof MappedInterceptor mapped ? mapped.getInterceptor()
                    : interceptor;
            if (actual instanceof StashedViewInterceptor) {
                return true;
            }
        }
        return false;
    }

    /**
     * @return the failure for a handler that binds a view and is mapped by a handler mapping without the
     *     starter's interceptor
     */
    private static IllegalStateException notIntercepted(String mappingName, AbstractHandlerMethodMapping<?> mapping,
            HandlerMethod handler, Class<?> view) {
        Class<?> userClass = ClassUtils.getUserClass(view);
        return new IllegalStateException("Handler " + handler + " binds the view " + userClass.getName() + " ("
                + ViewDeclarations.fields(userClass) + "), but the handler mapping '" + mappingName + "' ("
                + mapping.getClass().getName() + ") that maps it lacks the starter's interceptor, so the view's "
                + "fields would be neither recovered nor stashed. The starter's StashBeforeResponsePostProcessor "
                + "gives the interceptor to every handler mapping bean it post-processes; it cannot to one "
                + "registered as an instance, nor to one made before the bean post-processors are ready (because a "
                + "bean post-processor depends on it: Spring then logs that the mapping 'is not eligible for "
                + "getting processed by all BeanPostProcessors'). Declare the mapping as a bean (a @Bean method) "
                + "that no bean post-processor depends on.");
    }

    /**
     * @return the first view the handler binds (its controller, or a view parameter), or {@code null} when it
     *     binds none
     */
    private @Nullable Class<?> verifyHandler(ConfigurableListableBeanFactory factory, HandlerMethod handler,
            Set<Class<?>> used) {
        Class<?> controller = handler.getBeanType();
        boolean controllerIsView = StashedViews.isStashedView(controller);
        if (controllerIsView) {
            views().definitionOf(controller);
            used.add(ClassUtils.getUserClass(controller));
            verifyRequestScoped(factory, handler.getBean(), controller);
        }
        Takes takes = verifyParameters(handler.getMethodParameters(), "handler " + handler, argumentResolvers, used);
        Set<Class<?>> viewParameters = takes.views();
        String reason = responseStatusReason(handler);
        if (StringUtils.hasText(reason) && (controllerIsView || !viewParameters.isEmpty())) {
            throw ViewDeclarations.sentAsError(controllerIsView ? controller : viewParameters.iterator().next(),
                    handler.toString(), reason);
        }
        if (takes.stash() && !controllerIsView && viewParameters.size() != 1) {
            throw stashWithoutOneView("Stash", "handler " + handler, "its controller", viewParameters);
        }
        return controllerIsView ? controller : viewParameters.isEmpty() ? null : viewParameters.iterator().next();
    }

    /**
     * Checks each parameter of a handler, {@code @ModelAttribute} or {@code @InitBinder} method: a view
     * ({@link #verifyViewParameter}), a {@link Stash}, or any other, which must not take a view inside
     * another type.
     *
     * @param method the method, for messages
     * @param resolvers the argument resolvers Spring MVC invokes the method with, in order
     * @param used collects the view classes the method takes
     */
    private Takes verifyParameters(MethodParameter[] parameters, String method,
            List<HandlerMethodArgumentResolver> resolvers, Set<Class<?>> used) {
        Set<Class<?>> viewParameters = new LinkedHashSet<>();
        boolean takesStash = false;
        for (MethodParameter parameter : parameters) {
            Class<?> type = parameter.getParameterType();
            if (type == Stash.class) {
                takesStash = true;
            } else if (StashedViews.isStashedView(type)) {
                verifyViewParameter(parameter, type, method, resolvers);
                viewParameters.add(type);
                used.add(ClassUtils.getUserClass(type));
            } else {
                refuseViewInsideAnotherType(parameter, method);
            }
        }
        return new Takes(viewParameters, takesStash);
    }

    private static void verifyRequestScoped(ConfigurableListableBeanFactory factory, Object bean, Class<?> controller) {
        if (!(bean instanceof String name)) {
            throw ViewDeclarations.notRequestScoped(controller, String.valueOf(bean), "registered as a handler instance");
        }
        String target = ScopedProxyUtils.getTargetBeanName(name);
        String definitionName = factory.containsBeanDefinition(target) ? target : name; // a scoped proxy: its target
        if (!factory.containsBeanDefinition(definitionName)) {
            throw ViewDeclarations.notRequestScoped(controller, name, "registered as an instance");
        }
        String scope = factory.getMergedBeanDefinition(definitionName).getScope();
        if (!WebApplicationContext.SCOPE_REQUEST.equals(scope)) {
            throw scope == null || scope.isEmpty() || "singleton".equals(scope)
                    ? ViewDeclarations.notRequestScoped(controller, name, "a singleton")
                    : ViewDeclarations.wrongScope(controller, name, scope);
        }
        for (String dependent : factory.getDependentBeans(name)) {
            if (isSingleton(factory, dependent)) {
                // Only a scoped proxy can be injected into a singleton; the bean itself fails outside a request. A
                // @DependsOn counts too (the factory records both alike): the WebFlux check refuses it as well.
                throw ViewDeclarations.injectedThroughProxy(controller, name, dependent);
            }
        }
    }

    /**
     * @return the reason of the handler's {@code @ResponseStatus}, on its method or else its class, as Spring
     *     MVC finds it
     */
    private static @Nullable String responseStatusReason(HandlerMethod handler) {
        ResponseStatus status = handler.getMethodAnnotation(ResponseStatus.class);
        if (status == null) {
            status = AnnotatedElementUtils.findMergedAnnotation(handler.getBeanType(), ResponseStatus.class);
        }
        return status == null ? null : status.reason();
    }

    private static boolean isSingleton(ConfigurableListableBeanFactory factory, String name) {
        return factory.containsBeanDefinition(name) ? factory.getMergedBeanDefinition(name).isSingleton()
                : factory.containsSingleton(name);
    }

    /**
     * A view parameter must be resolved by the starter (the first of the method's resolvers that supports it
     * is the starter's), and its class must have a no-argument constructor.
     */
    private void verifyViewParameter(MethodParameter parameter, Class<?> type, String method,
            List<HandlerMethodArgumentResolver> resolvers) {
        Class<?> userClass = ClassUtils.getUserClass(type);
        if (resolvers.isEmpty()) {
            throw new IllegalStateException("Parameter " + parameter.getParameterIndex() + " (" + userClass.getName()
                    + ") of " + method + " is a view with " + ViewDeclarations.fields(userClass) + ", but no "
                    + "RequestMappingHandlerAdapter has the starter's argument resolver, so another resolver would "
                    + "make it and its fields would be neither recovered nor stashed. The starter's "
                    + "StashBeforeResponsePostProcessor adds the resolver of the StashedViewsWebMvcConfigurer bean to "
                    + "every handler adapter whose argument resolvers are not set already: keep both of the starter's "
                    + "beans, and add the resolver to the custom ones rather than setting the adapter's resolvers.");
        }
        for (HandlerMethodArgumentResolver resolver : resolvers) {
            if (resolver.supportsParameter(parameter)) {
                if (!(resolver instanceof StashedViewArgumentResolver)) {
                    throw new IllegalStateException("Parameter " + parameter.getParameterIndex() + " ("
                            + userClass.getName() + ") of " + method + " is a view with "
                            + ViewDeclarations.fields(userClass) + ", but it is resolved by "
                            + resolver.getClass().getName() + " (an annotation such as @RequestBody, "
                            + "@ModelAttribute or @RequestParam), so its fields would be neither recovered nor "
                            + "stashed. Take the view class as a parameter without such annotations, and bind "
                            + "request data to another parameter.");
                }
                break;
            }
        }
        if (userClass.isInterface() || Modifier.isAbstract(userClass.getModifiers())
                || !hasNoArgumentConstructor(userClass)) {
            throw new IllegalStateException("Parameter " + parameter.getParameterIndex() + " (" + userClass.getName()
                    + ") of " + method + " is a view with " + ViewDeclarations.fields(userClass)
                    + ", but the class cannot be created for each request: it needs to be a concrete class with a "
                    + "no-argument constructor.");
        }
        views().definitionOf(userClass);
    }

    /**
     * @return the first handler adapter whose argument resolvers include the starter's (each has it whose
     *     resolvers {@link StashBeforeResponsePostProcessor} could add it to), or {@code null} when none has it
     */
    private static @Nullable RequestMappingHandlerAdapter adapterWithTheStartersResolver(
            ConfigurableListableBeanFactory factory) {
        Map<String, RequestMappingHandlerAdapter> adapters = factory.getBeansOfType(RequestMappingHandlerAdapter.class,
                false, false);
        for (RequestMappingHandlerAdapter adapter : adapters.values()) {
            List<HandlerMethodArgumentResolver> resolvers = adapter.getArgumentResolvers();
            if (resolvers != null && resolvers.stream().anyMatch(StashedViewArgumentResolver.class::isInstance)) {
                return adapter;
            }
        }
        return null;
    }

    private static List<HandlerMethodArgumentResolver> copy(@Nullable List<HandlerMethodArgumentResolver> resolvers) {
        return resolvers == null ? List.of() : new ArrayList<>(resolvers);
    }
}
