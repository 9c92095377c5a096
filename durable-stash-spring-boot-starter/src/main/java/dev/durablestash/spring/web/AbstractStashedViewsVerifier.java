package dev.durablestash.spring.web;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils.MethodFilter;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.method.ControllerAdviceBean;
import org.springframework.web.method.HandlerMethod;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.ViewMigrator;
import dev.durablestash.spring.web.HandlerMethodViews.Advice;
import dev.durablestash.spring.web.HandlerMethodViews.SupportMethod;

/**
 * The startup check both integrations run once every singleton exists: each stack's verifier checks its
 * handler methods, the {@code @ModelAttribute} and {@code @InitBinder} methods Spring invokes for them
 * ({@link #verifySupportMethods}), and its view beans, and this class walks the bean factory in the same
 * order for both (handler methods; the {@code @ExceptionHandler} methods, which must take no view and no stash
 * handle; singletons registered as instances, which are refused; bean definitions whose class is a view) and
 * ends with the scan for view classes nothing uses ({@link StashedClassScanner#refuseUnused}) and, every view
 * then known, the refusal of a {@code ViewMigrator} for a view name no view has. Public only so that both
 * integrations can extend it (support code, not an API: see the package description).
 *
 * <p><b>Thread-safety:</b> runs once, at startup.
 */
public abstract class AbstractStashedViewsVerifier implements SmartInitializingSingleton, BeanFactoryAware,
        EnvironmentAware, ApplicationContextAware {

    private final StashedViews views;
    private @Nullable ConfigurableListableBeanFactory beanFactory;
    private Environment environment = new StandardEnvironment();
    private @Nullable ApplicationContext applicationContext;
    /** The application's advice beans with support methods, found on first use. */
    private @Nullable List<Advice> advice;
    /** The support methods checked so far: each once, however many handlers it serves. */
    private final Set<SupportMethod> checkedSupportMethods = new HashSet<>();
    private final Set<Class<?>> controllersWithSupportMethodsChecked = new HashSet<>();

    /** @param views the application's views, which build (and so check) each view class */
    protected AbstractStashedViewsVerifier(StashedViews views) {
        this.views = Objects.requireNonNull(views, "views");
    }

    /** @return the application's views */
    protected final StashedViews views() {
        return views;
    }

    @Override
    public final void setBeanFactory(BeanFactory beanFactory) throws BeansException {
        if (beanFactory instanceof ConfigurableListableBeanFactory listable) {
            this.beanFactory = listable;
        }
    }

    @Override
    public final void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public final void setApplicationContext(ApplicationContext applicationContext) throws BeansException {
        this.applicationContext = applicationContext;
    }

    /**
     * @throws IllegalStateException or {@link IllegalArgumentException} naming the class of the first
     *     view declared in a way that would share or drop its state
     */
    @Override
    public final void afterSingletonsInstantiated() {
        ConfigurableListableBeanFactory factory = beanFactory;
        if (factory == null) {
            return;
        }
        Set<Class<?>> used = new HashSet<>(); // the view classes of controllers, handler arguments and beans
        verifyHandlers(factory, used);
        verifyExceptionHandlers();
        for (String name : factory.getSingletonNames()) {
            if (!factory.containsBeanDefinition(name)) {
                Object singleton = factory.getSingleton(name);
                if (singleton != null && StashedViews.isStashedView(singleton.getClass())) {
                    throw registeredAsInstance(name, singleton.getClass());
                }
            }
        }
        Map<String, Class<?>> viewBeans = new LinkedHashMap<>();
        for (String name : factory.getBeanDefinitionNames()) {
            if (factory.getBeanDefinition(name).isAbstract()) {
                continue;
            }
            Class<?> type = factory.getType(name, false);
            if (type != null && StashedViews.isStashedView(type)) {
                verifyViewBean(factory, name, type);
                used.add(ClassUtils.getUserClass(type));
                viewBeans.put(name, ClassUtils.getUserClass(type));
            }
        }
        verifyViewBeans(factory, viewBeans);
        StashedClassScanner.Scan scan = StashedClassScanner.refuseUnused(factory, environment, used);
        if (scan != null) {
            refuseMigratorsOfNoView(factory, scan);
        }
    }

    /**
     * Refuses a {@code ViewMigrator} made for a view name no view has, once every view is known: the views
     * built above, the concrete classes with {@code @Stashed} fields under the application's packages, and the
     * names the classes there that use {@code StashedRoutes} or the engine's {@code ViewDefinition} mention
     * (views of functional routes, or of the engine used directly). One made for a view class
     * ({@code ViewMigrator.of(Class, ...)}, which refuses an abstract class) is for a view wherever the class
     * is declared (a library's, say). Such a migrator would never run, and when the view's
     * vsn changes every stored slice would be dropped. Runs only when the application's packages are known:
     * in a context without them, views could exist that nothing here sees.
     *
     * @throws IllegalStateException naming the migrator's view name and the nearest view name
     */
    private void refuseMigratorsOfNoView(ConfigurableListableBeanFactory factory, StashedClassScanner.Scan scan) {
        Set<String> known = new TreeSet<>(views.names());
        for (Class<?> type : scan.withStashedFields()) {
            if (!type.isInterface() && !Modifier.isAbstract(type.getModifiers())) { // a base class is no view
                known.add(StashedViews.viewName(type));
            }
        }
        Map<String, ViewMigrator> migrators = factory.getBeansOfType(ViewMigrator.class, false, false);
        Set<String> madeForViewClasses = migrators.values().stream().filter((m) -> m.viewClass() != null)
                .map(ViewMigrator::view).collect(Collectors.toSet()); // a view class is one, wherever it is declared
        for (String view : views.migratedViewNames()) {
            if (known.contains(view) || madeForViewClasses.contains(view) || scan.mayDefine(view)) {
                continue;
            }
            String bean = migrators.entrySet().stream()
                    .filter((entry) -> view.equals(entry.getValue().view())).map((entry) -> " bean '"
                            + entry.getKey() + "'").findFirst().orElse("");
            String nearest = known.stream().min(Comparator.comparingInt((name) -> distance(name, view)))
                    .orElse(null);
            throw new IllegalStateException("ViewMigrator" + bean + " is for view '" + view + "', but no view has that "
                    + "name" + (nearest == null ? "" : " (the nearest is '" + nearest + "')") + ": it would never "
                    + "run, and once the view's vsn changes every slice stored under another vsn would be dropped. A "
                    + "view is named after its class's simple name unless @StashedView(name = ...) names it: make the "
                    + "migrator with ViewMigrator.of(TheView.class, ...), which takes the name from the class, or name "
                    + "the view '" + view + "'.");
        }
    }

    /** @return the edit distance between two names, letters compared without case */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int[] current = new int[b.length() + 1];
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int same = Character.toLowerCase(a.charAt(i - 1)) == Character.toLowerCase(b.charAt(j - 1)) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + same);
            }
            previous = current;
        }
        return previous[b.length()];
    }

    /**
     * Checks every handler method of the stack, and calls {@link #verifySupportMethods} for each.
     *
     * @param used collects the view classes of controllers and handler arguments
     */
    protected abstract void verifyHandlers(ConfigurableListableBeanFactory factory, Set<Class<?>> used);

    /**
     * Checks the methods Spring MVC and WebFlux invoke for a handler method besides it, with argument
     * resolvers as for the handler: the {@code @ModelAttribute} methods and the {@code @InitBinder} methods
     * of its controller and of the {@code @ControllerAdvice} beans that apply to it (as
     * {@link HandlerMethodViews} finds them). Each is passed to {@link #verifySupportMethod} once, however
     * many handlers it serves; an advice bean that applies to no handler is not checked (its methods never
     * run).
     *
     * @param handler a handler method of the stack
     * @param used collects the view classes the methods take
     */
    protected final void verifySupportMethods(HandlerMethod handler, Set<Class<?>> used) {
        if (!controllersWithSupportMethodsChecked.add(handler.getBeanType())) {
            return; // the same methods as for an earlier handler of the controller
        }
        List<Advice> found = advice;
        if (found == null) {
            ApplicationContext context = applicationContext;
            found = context != null ? HandlerMethodViews.findAdvice(context) : List.of();
            advice = found;
        }
        for (SupportMethod method : HandlerMethodViews.methodsFor(handler.getBeanType(), found)) {
            if (checkedSupportMethods.add(method)) {
                verifySupportMethod(method.parameters(), method.initBinder(), method.toString(), used);
            }
        }
    }

    /**
     * Refuses a view, a stash handle ({@link #isStashHandle}) or a view inside another type taken by an
     * {@code @ExceptionHandler} method: the controllers' own (of every controller with a handler method) and
     * those of every {@code @ControllerAdvice} bean (they also answer errors no handler method raised). An
     * exception handler runs when a handler failed, and nothing is stashed for a handler that failed, also
     * when an exception handler answers: what it changed in a view would silently never be stored.
     *
     * @throws IllegalStateException naming the method (and the advice bean), the parameter and what to do
     */
    private void verifyExceptionHandlers() {
        for (Class<?> controller : controllersWithSupportMethodsChecked) {
            verifyExceptionHandlers(controller, null);
        }
        ApplicationContext context = applicationContext;
        if (context != null) {
            for (ControllerAdviceBean bean : ControllerAdviceBean.findAnnotatedBeans(context)) {
                Class<?> beanType = bean.getBeanType();
                if (beanType != null) {
                    verifyExceptionHandlers(beanType, String.valueOf(bean)); // its string is its bean name
                }
            }
        }
    }

    private void verifyExceptionHandlers(Class<?> beanType, @Nullable String adviceBean) {
        for (Method method : MethodIntrospector.selectMethods(beanType, (MethodFilter) (candidate) ->
                AnnotatedElementUtils.hasAnnotation(candidate, ExceptionHandler.class))) {
            Method bridged = BridgeMethodResolver.findBridgedMethod(method);
            for (int i = 0; i < bridged.getParameterCount(); i++) {
                MethodParameter parameter = MethodParameter.forExecutable(bridged, i).withContainingClass(beanType);
                Class<?> type = parameter.getParameterType();
                Class<?> view = StashedViews.isStashedView(type) ? type : viewInside(parameter);
                if (view == null && !isStashHandle(type)) {
                    continue;
                }
                String what = view == null ? "a " + type.getName() : "view class "
                        + ClassUtils.getUserClass(view).getName() + (view == type ? "" : " inside "
                        + ResolvableType.forMethodParameter(parameter)) + " (it has "
                        + ViewFields.describe(ClassUtils.getUserClass(view)) + ")";
                throw new IllegalStateException("Parameter " + i + " of @ExceptionHandler method "
                        + ClassUtils.getUserClass(beanType).getName() + "#" + method.getName() + "("
                        + Stream.of(method.getParameterTypes()).map(Class::getSimpleName)
                                .collect(Collectors.joining(", ")) + ")"
                        + (adviceBean != null ? " of @ControllerAdvice bean '" + adviceBean + "'" : "") + " takes "
                        + what + ", but an exception handler runs when a handler failed, and nothing is stashed "
                        + "for a handler that failed, also when an exception handler answers: what it changes in a "
                        + "view would never be stored. Change the view in the handler instead (catch the exception "
                        + "there, change the view and answer the error), or keep what the error should record out "
                        + "of @Stashed fields.");
            }
        }
    }

    /**
     * @param type a parameter's type
     * @return whether it is the handle of a view's stash in this stack ({@code Stash}, and on WebFlux also
     *     {@code ReactiveStash})
     */
    protected boolean isStashHandle(Class<?> type) {
        return type == Stash.class;
    }

    /**
     * Checks the parameters of one {@code @ModelAttribute} or {@code @InitBinder} method as the stack checks
     * a handler's, naming the method in the failure.
     *
     * @param parameters its parameters, each with the class it is invoked on (the controller's, or the advice
     *     bean's) as its containing class, so that a type variable resolves as on invocation
     * @param initBinder {@code true} for an {@code @InitBinder} method, {@code false} for a
     *     {@code @ModelAttribute} one
     * @param method the method for messages, e.g. {@code @ModelAttribute method com.example.Advice#prefs(Model,
     *     Preferences) of @ControllerAdvice bean 'advice'}
     * @param used collects the view classes it takes
     * @throws IllegalStateException naming the method, for a parameter the stack would not recover or stash
     */
    protected abstract void verifySupportMethod(MethodParameter[] parameters, boolean initBinder, String method,
            Set<Class<?>> used);

    /** @return the failure for a singleton registered as an instance whose class is a view */
    protected abstract RuntimeException registeredAsInstance(String name, Class<?> type);

    /** Checks one bean definition whose class (as the definition shows it) is a view. */
    protected abstract void verifyViewBean(ConfigurableListableBeanFactory factory, String name, Class<?> type);

    /**
     * Checks the view beans together, after each was checked alone; nothing by default.
     *
     * @param viewBeans the user classes of the view beans, by bean name, in definition order
     */
    protected void verifyViewBeans(ConfigurableListableBeanFactory factory, Map<String, Class<?>> viewBeans) {
    }

    /**
     * Refuses a parameter of a handler method (or of a {@code @ModelAttribute} or {@code @InitBinder} method)
     * that takes a view class inside another type, as a type argument or an array's component
     * ({@code Optional<Prefs>}, {@code HttpEntity<Prefs>}, {@code RequestEntity<Prefs>}, {@code Mono<Prefs>},
     * {@code List<Prefs>}, {@code Prefs[]}). The starter resolves only a parameter whose type is the view
     * class itself; another argument resolver makes this one (the model-attribute resolver binds a fresh
     * {@code Optional}, the body resolvers read one from the body), and that instance's fields would be
     * neither recovered nor stashed, while the handler answers as if they were.
     *
     * @param parameter a parameter whose type is not itself a view class
     * @param method the method, for the message: {@code "handler " + handlerMethod}, or a support method
     *     as {@link #verifySupportMethod} names it
     * @throws IllegalStateException naming the parameter, its type, and the view class and its fields
     */
    protected static void refuseViewInsideAnotherType(MethodParameter parameter, String method) {
        ResolvableType type = ResolvableType.forMethodParameter(parameter);
        Class<?> view = viewInside(parameter);
        if (view != null) {
            Class<?> userClass = ClassUtils.getUserClass(view);
            throw new IllegalStateException("Parameter " + parameter.getParameterIndex() + " (" + type
                    + ") of " + method + " takes view class " + userClass.getName() + ", with "
                    + ViewFields.describe(userClass) + ", inside another type. Only a parameter of the view "
                    + "class itself is recovered and stashed: another argument resolver makes this instance, so "
                    + "its fields would be neither recovered nor stashed. Take the view class as a parameter of "
                    + "its own (" + userClass.getSimpleName() + " " + Character.toLowerCase(
                            userClass.getSimpleName().charAt(0)) + userClass.getSimpleName().substring(1)
                    + "), and bind request data to another parameter.");
        }
    }

    /**
     * @param parameter a method parameter
     * @return the first view class that the parameter's type takes inside it, as a type argument or an
     *     array's component ({@code Optional<Prefs>}, {@code Message<Prefs>}, {@code Prefs[]}), or
     *     {@code null}; the parameter's own type does not count
     */
    protected static @Nullable Class<?> viewInside(MethodParameter parameter) {
        return viewInside(ResolvableType.forMethodParameter(parameter), 0);
    }

    /**
     * @param depth how deep {@code type} is inside the parameter's type; the parameter's own type (depth 0)
     *     is not a view, and the search stops at a depth no real parameter type reaches, so a recursive
     *     bound ({@code T extends Comparable<T>}) cannot loop
     * @return the first view class among the type arguments and array components of {@code type}, or
     *     {@code null}
     */
    private static @Nullable Class<?> viewInside(ResolvableType type, int depth) {
        if (depth > 8 || type == ResolvableType.NONE) {
            return null;
        }
        if (depth > 0) {
            Class<?> resolved = type.resolve();
            if (resolved != null && StashedViews.isStashedView(resolved)) {
                return resolved;
            }
        }
        if (type.isArray()) {
            return viewInside(type.getComponentType(), depth + 1);
        }
        for (ResolvableType generic : type.getGenerics()) {
            Class<?> found = viewInside(generic, depth + 1);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /**
     * @param handle the handle's simple name ({@code Stash} or {@code ReactiveStash}), for the message
     * @param method the method that takes the handle, for the message
     * @param owner what would be its view if it were one (its controller, or the class it is invoked on)
     * @param viewParameters the view classes it takes: none, or more than one
     * @return the failure for a method whose handle has no view, or more than one, to refer to
     */
    protected static IllegalStateException stashWithoutOneView(String handle, String method, String owner,
            Set<Class<?>> viewParameters) {
        return new IllegalStateException(Character.toUpperCase(method.charAt(0)) + method.substring(1)
                + " takes a " + handle + " parameter, but " + (viewParameters.isEmpty()
                        ? "neither " + owner + " nor any of its parameters is a view (a class with @Stashed fields)"
                        : "it takes more than one view class " + viewParameters + ", so the " + handle
                                + " is ambiguous"));
    }

    /**
     * The view classes a method takes, and whether it takes the stack's stash handle.
     *
     * @param views the view classes, in the order of the parameters
     * @param stash whether it takes a {@code Stash} (servlet) or {@code ReactiveStash} (WebFlux)
     */
    protected record Takes(Set<Class<?>> views, boolean stash) {
        /** Public, so that the verifiers in the integrations' packages can make one. */
        public Takes {
        }
    }

    /** @return {@code true} when the class declares a constructor without parameters (of any visibility) */
    protected static boolean hasNoArgumentConstructor(Class<?> type) {
        try {
            type.getDeclaredConstructor();
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
