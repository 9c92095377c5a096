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
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationContext;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.MethodParameter;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils.MethodFilter;
import org.springframework.web.bind.annotation.InitBinder;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.method.ControllerAdviceBean;
import org.springframework.web.method.HandlerMethod;

/**
 * The views an annotated handler method binds, so that their turns can be taken together, in one order,
 * before its body runs: its controller, when it is a view, its own view arguments, and the view arguments
 * of the other methods Spring MVC and WebFlux invoke for it ({@linkplain #methodsFor its support
 * methods}): the {@code @ModelAttribute} methods they invoke before it, and the {@code @InitBinder} methods
 * they invoke whenever they make a data binder for it (before it, or after it returned, when Spring MVC
 * prepares the model for a view). Those are the methods their {@code RequestMappingHandlerAdapter}s select
 * for the handler's bean type: those of the {@code @ControllerAdvice} beans applicable to it
 * ({@link ControllerAdviceBean#isApplicableToBeanType}) and the controller's own. A support method's
 * argument whose type is a view counts, whichever resolver takes it: a view counted but not bound has its
 * turn held longer than needed, never shorter. (WebFlux cannot resolve a view argument of an
 * {@code @InitBinder} method; its verifier refuses one at startup.) Public only so that both integrations
 * can reach it (support code, not an API: see the package description).
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

    /** The methods the adapters invoke to initialise each data binder they make (Spring MVC's INIT_BINDER_METHODS). */
    private static final MethodFilter INIT_BINDER_METHODS = method ->
            AnnotatedElementUtils.hasAnnotation(method, InitBinder.class);

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
     * @return the classes of the views the handler binds, each once, in no particular order; empty when it
     *     binds none
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
        for (SupportMethod supportMethod : methodsFor(beanType, context != null ? advice(context) : List.of())) {
            for (MethodParameter parameter : supportMethod.parameters()) {
                if (StashedViews.isStashedView(parameter.getParameterType())) {
                    views.add(parameter.getParameterType());
                }
            }
        }
        return List.copyOf(views);
    }

    /** The advice beans that have {@code @ModelAttribute} or {@code @InitBinder} methods, found once per context. */
    private List<Advice> advice(ApplicationContext context) {
        List<Advice> found = adviceByContext.get(context);
        if (found == null) {
            found = adviceByContext.computeIfAbsent(context, HandlerMethodViews::findAdvice);
        }
        return found;
    }

    /**
     * @return the advice beans of the context (and its ancestors) that have {@code @ModelAttribute} or
     *     {@code @InitBinder} methods, in the order the adapters apply them
     */
    static List<Advice> findAdvice(ApplicationContext context) {
        List<Advice> found = new ArrayList<>();
        for (ControllerAdviceBean bean : ControllerAdviceBean.findAnnotatedBeans(context)) {
            Class<?> beanType = bean.getBeanType();
            if (beanType != null) {
                Set<Method> attributeMethods = MethodIntrospector.selectMethods(beanType, MODEL_ATTRIBUTE_METHODS);
                Set<Method> binderMethods = MethodIntrospector.selectMethods(beanType, INIT_BINDER_METHODS);
                if (!attributeMethods.isEmpty() || !binderMethods.isEmpty()) {
                    found.add(new Advice(bean, beanType, attributeMethods, binderMethods));
                }
            }
        }
        return List.copyOf(found);
    }

    /**
     * The support methods the adapters invoke for the handler methods of a bean type: the
     * {@code @ModelAttribute} methods, then the {@code @InitBinder} methods, each kind those of the applicable
     * advice beans first, then the bean type's own (as the adapters order them).
     *
     * @param beanType the handler's bean type
     * @param advice the application's advice beans ({@link #findAdvice})
     * @return the support methods, each once
     */
    static List<SupportMethod> methodsFor(Class<?> beanType, List<Advice> advice) {
        List<SupportMethod> methods = new ArrayList<>();
        for (boolean initBinder : new boolean[] { false, true }) {
            for (Advice bean : advice) {
                if (bean.bean().isApplicableToBeanType(beanType)) {
                    String name = String.valueOf(bean.bean()); // a ControllerAdviceBean's string is its bean name
                    for (Method method : initBinder ? bean.binderMethods() : bean.attributeMethods()) {
                        methods.add(new SupportMethod(method, bean.beanType(), initBinder, name));
                    }
                }
            }
            MethodFilter filter = initBinder ? INIT_BINDER_METHODS : MODEL_ATTRIBUTE_METHODS;
            for (Method method : MethodIntrospector.selectMethods(beanType, filter)) {
                methods.add(new SupportMethod(method, beanType, initBinder, null));
            }
        }
        return methods;
    }

    /** A handler method: of which bean type, in which application context. */
    private record Handler(@Nullable ApplicationContext context, Class<?> beanType, Method method) {
    }

    /** An advice bean, its type, and its {@code @ModelAttribute} and {@code @InitBinder} methods. */
    record Advice(ControllerAdviceBean bean, Class<?> beanType, Set<Method> attributeMethods,
            Set<Method> binderMethods) {
    }

    /**
     * A method Spring MVC and WebFlux invoke for a handler, besides the handler, with argument resolvers as
     * for the handler: a {@code @ModelAttribute} or {@code @InitBinder} method of the controller or of an
     * advice bean that applies to it.
     *
     * @param method the method
     * @param beanType the class it is invoked on: the controller's, or the advice bean's
     * @param initBinder {@code true} for an {@code @InitBinder} method, {@code false} for a
     *     {@code @ModelAttribute} one
     * @param adviceBean the name of the advice bean it belongs to, or {@code null} for the controller's own
     */
    record SupportMethod(Method method, Class<?> beanType, boolean initBinder, @Nullable String adviceBean) {

        /** @return its parameters, their types resolved as its invocation on {@link #beanType} sees them */
        MethodParameter[] parameters() {
            Method bridged = BridgeMethodResolver.findBridgedMethod(method);
            MethodParameter[] parameters = new MethodParameter[bridged.getParameterCount()];
            for (int i = 0; i < parameters.length; i++) {
                parameters[i] = MethodParameter.forExecutable(bridged, i).withContainingClass(beanType);
            }
            return parameters;
        }

        /**
         * @return for messages, as Spring names a handler method, e.g. {@code @ModelAttribute method
         *     com.example.Advice#prefs(Model, Preferences) of @ControllerAdvice bean 'advice'}
         */
        @Override
        public String toString() {
            String parameterTypes = Stream.of(method.getParameterTypes()).map(Class::getSimpleName)
                    .collect(Collectors.joining(", "));
            return (initBinder ? "@InitBinder" : "@ModelAttribute") + " method "
                    + ClassUtils.getUserClass(beanType).getName() + "#" + method.getName() + "(" + parameterTypes + ")"
                    + (adviceBean != null ? " of @ControllerAdvice bean '" + adviceBean + "'" : "");
        }
    }
}
