package dev.durablestash.spring.web;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;

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

/**
 * The views an annotated handler method binds before its body runs, so that their turns can be taken
 * together, in one order: its controller, when it is a view, its own view arguments, and the view
 * arguments of the {@code @ModelAttribute} methods Spring MVC and WebFlux invoke before it. Those are the
 * methods their {@code RequestMappingHandlerAdapter}s select for the handler's bean type (annotated
 * {@code @ModelAttribute} and not {@code @RequestMapping}): those of the {@code @ControllerAdvice} beans
 * applicable to it ({@link ControllerAdviceBean#isApplicableToBeanType}) and the controller's own. A
 * {@code @ModelAttribute} method's argument whose type is a view counts, whichever resolver takes it: a
 * view counted but not bound has its turn held longer than needed, never shorter. Public only so that
 * both integrations can reach it (support code, not an API: see the package description).
 *
 * <p>Reflection happens once per handler method and application context; the result is cached. The
 * advice beans are found once per application context, as the adapters find them at startup.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class HandlerMethodViews {

    /** The methods the adapters invoke before a handler to fill its model (Spring MVC's MODEL_ATTRIBUTE_METHODS). */
    private static final MethodFilter MODEL_ATTRIBUTE_METHODS = method ->
            AnnotatedElementUtils.hasAnnotation(method, ModelAttribute.class)
                    && !AnnotatedElementUtils.hasAnnotation(method, RequestMapping.class);

    private final Predicate<MethodParameter> handlerArgumentIsView;
    private final ConcurrentMap<Handler, List<Class<?>>> byHandler = new ConcurrentHashMap<>();
    private final ConcurrentMap<ApplicationContext, List<Advice>> adviceByContext = new ConcurrentHashMap<>(2);

    /**
     * @param handlerArgumentIsView whether a handler method's parameter is a view the integration binds
     *     (its own rule: on WebFlux, only a parameter its argument resolver takes)
     */
    public HandlerMethodViews(Predicate<MethodParameter> handlerArgumentIsView) {
        this.handlerArgumentIsView = Objects.requireNonNull(handlerArgumentIsView, "handlerArgumentIsView");
    }

    /**
     * @param method the handler method, its bean resolved or not
     * @param context the application context of the advice beans, or {@code null} when there is none
     *     (then only the controller's own methods count)
     * @return the classes of the views the handler binds before its body runs, each once, in no particular
     *     order; empty when it binds none
     */
    public List<Class<?>> of(HandlerMethod method, @Nullable ApplicationContext context) {
        Handler handler = new Handler(context, method.getBeanType(), method.getMethod());
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
            if (handlerArgumentIsView.test(parameter)) {
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
            found = adviceByContext.computeIfAbsent(context, HandlerMethodViews::findAdvice);
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
