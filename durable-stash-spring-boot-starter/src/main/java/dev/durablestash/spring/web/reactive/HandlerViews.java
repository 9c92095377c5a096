package dev.durablestash.spring.web.reactive;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationContext;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.MethodParameter;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ReflectionUtils.MethodFilter;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.method.ControllerAdviceBean;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.spring.web.StashedViews;

/**
 * The views an annotated handler method binds before its body runs, so that their turns can be taken
 * together, in one order: its controller, when it is a view, its own view arguments, and the view
 * arguments of the {@code @ModelAttribute} methods WebFlux invokes before it. Those methods are the ones
 * {@link RequestMappingHandlerAdapter} selects for the handler's bean type: methods annotated
 * {@code @ModelAttribute} and not {@code @RequestMapping}, of the {@code @ControllerAdvice} beans
 * applicable to it ({@link ControllerAdviceBean#isApplicableToBeanType}) and of the controller itself.
 * A {@code @ModelAttribute} method's argument whose type is a view counts, whichever resolver takes it:
 * a view counted but not bound has its turn held longer than needed, never shorter.
 *
 * <p>Worked out once per handler method (its bean type and method) and application context, and
 * cached: an exchange looks the list up. The advice beans are found once per application context, the
 * exchange's ({@link ServerWebExchange#getApplicationContext()}, the one WebFlux's adapter finds them in
 * at startup when the application's {@code HttpHandler} is built from it, as Spring Boot builds it).
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
final class HandlerViews {

    /** The methods WebFlux invokes before a handler to fill its model, as its adapter selects them. */
    private static final MethodFilter MODEL_ATTRIBUTE_METHODS = method ->
            AnnotatedElementUtils.hasAnnotation(method, ModelAttribute.class)
                    && !AnnotatedElementUtils.hasAnnotation(method, RequestMapping.class);

    private final ConcurrentMap<Handler, List<Class<?>>> byHandler = new ConcurrentHashMap<>();
    private final ConcurrentMap<ApplicationContext, List<Advice>> adviceByContext = new ConcurrentHashMap<>(2);

    /**
     * @param method the handler method, its bean resolved or not
     * @param exchange the exchange it handles, which names the application context of its advice beans
     * @return the classes of the views the handler binds before its body runs, each once, in no particular
     *     order; empty when it binds none
     */
    List<Class<?>> of(HandlerMethod method, ServerWebExchange exchange) {
        Handler handler = new Handler(exchange.getApplicationContext(), method.getBeanType(), method.getMethod());
        List<Class<?>> views = byHandler.get(handler);
        if (views == null) {
            views = byHandler.computeIfAbsent(handler, (key) -> find(key, method));
        }
        return views;
    }

    private List<Class<?>> find(Handler handler, HandlerMethod method) {
        Class<?> beanType = handler.beanType();
        Set<Class<?>> views = new LinkedHashSet<>(4);
        if (StashedViews.isStashedView(beanType)) {
            views.add(beanType);
        }
        for (MethodParameter parameter : method.getMethodParameters()) {
            if (StashedViewArgumentResolver.isStateParameter(parameter)) {
                views.add(parameter.getParameterType());
            }
        }
        ApplicationContext context = handler.context();
        if (context != null) {
            for (Advice advice : advice(context)) {
                if (advice.bean().isApplicableToBeanType(beanType)) {
                    for (Method attributeMethod : advice.methods()) {
                        addViewParameters(attributeMethod, advice.beanType(), views);
                    }
                }
            }
        }
        for (Method attributeMethod : MethodIntrospector.selectMethods(beanType, MODEL_ATTRIBUTE_METHODS)) {
            addViewParameters(attributeMethod, beanType, views);
        }
        return List.copyOf(views);
    }

    /** The advice beans that have {@code @ModelAttribute} methods, found once per application context. */
    private List<Advice> advice(ApplicationContext context) {
        List<Advice> found = adviceByContext.get(context);
        if (found == null) {
            found = adviceByContext.computeIfAbsent(context, HandlerViews::findAdvice);
        }
        return found;
    }

    private static List<Advice> findAdvice(ApplicationContext context) {
        List<Advice> found = new ArrayList<>();
        for (ControllerAdviceBean bean : ControllerAdviceBean.findAnnotatedBeans(context)) {
            Class<?> beanType = bean.getBeanType();
            if (beanType != null) {
                Set<Method> methods = MethodIntrospector.selectMethods(beanType, MODEL_ATTRIBUTE_METHODS);
                if (!methods.isEmpty()) {
                    found.add(new Advice(bean, beanType, methods));
                }
            }
        }
        return List.copyOf(found);
    }

    /** Adds the view types of a method's parameters, resolved as its invocation on {@code beanType} sees them. */
    private static void addViewParameters(Method method, Class<?> beanType, Set<Class<?>> views) {
        Method bridged = BridgeMethodResolver.findBridgedMethod(method);
        for (int i = 0; i < bridged.getParameterCount(); i++) {
            Class<?> type = MethodParameter.forExecutable(bridged, i).withContainingClass(beanType).getParameterType();
            if (StashedViews.isStashedView(type)) {
                views.add(type);
            }
        }
    }

    /** A handler method: of which bean type, in which application context. */
    private record Handler(@Nullable ApplicationContext context, Class<?> beanType, Method method) {
    }

    /** An advice bean, its type, and its {@code @ModelAttribute} methods. */
    private record Advice(ControllerAdviceBean bean, Class<?> beanType, Set<Method> methods) {
    }
}
