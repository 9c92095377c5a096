package dev.durablestash.spring.web.servlet;

import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectFactory;
import org.springframework.beans.factory.config.Scope;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerMapping;

/**
 * The request scope, which makes a view controller only for Spring MVC, as the handler of the request:
 * <ul>
 * <li>outside a request (injected into a singleton made at startup, or looked up at startup) it fails with
 * a message that names the view and the fix; Spring's own failure there names neither;</li>
 * <li>in a request whose handler Spring MVC has chosen ({@link HandlerMapping#BEST_MATCHING_HANDLER_ATTRIBUTE},
 * set before the handler's bean is asked for), it fails for a view controller whose handlers are not that
 * one: injected into another bean made in the request (another view controller, a request-scoped bean, a
 * lazily initialized singleton) or looked up through an {@code ObjectProvider} or {@code getBean}, it would
 * be an instance that is never recovered nor stashed.</li>
 * </ul>
 * Before Spring MVC has chosen the handler (in a filter, or a {@code HandlerMappingIntrospector}'s lookup) a
 * view controller is made as by the request scope, and the request's handler uses the same instance.
 * Everything else is the request scope's.
 *
 * <p>Cost: for a view controller, one map look-up and one request attribute; other beans, one map look-up.
 *
 * <p><b>Thread-safety:</b> thread-safe, as the scope it wraps.
 */
final class ViewControllerScope implements Scope {

    private final Scope requestScope;
    /** Each view controller's bean name, to the name Spring MVC maps its handlers to: its own, or its proxy's. */
    private final Map<String, String> handlerNames;
    private final Function<String, IllegalStateException> outsideRequest;
    private final BiFunction<String, Object, IllegalStateException> notTheHandler;

    /**
     * @param requestScope the request scope it wraps
     * @param handlerNames each view controller's bean name, to the bean name of the handler methods that may
     *     make it: its own, or, for the target of a scoped proxy, the proxy's
     * @param outsideRequest the failure for a view controller, by bean name, asked for outside a request
     * @param notTheHandler the failure for a view controller, by bean name, asked for in a request whose
     *     handler (the second argument) is another
     */
    ViewControllerScope(Scope requestScope, Map<String, String> handlerNames,
            Function<String, IllegalStateException> outsideRequest,
            BiFunction<String, Object, IllegalStateException> notTheHandler) {
        this.requestScope = requestScope;
        this.handlerNames = Map.copyOf(handlerNames);
        this.outsideRequest = outsideRequest;
        this.notTheHandler = notTheHandler;
    }

    /**
     * @throws IllegalStateException for a view controller asked for outside a request, or in a request whose
     *     handler is not one of its handler methods
     */
    @Override
    public Object get(String name, ObjectFactory<?> objectFactory) {
        String handlerName = handlerNames.get(name);
        if (handlerName != null) {
            RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
            if (attributes == null) {
                throw outsideRequest.apply(name);
            }
            Object handler = attributes.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE,
                    RequestAttributes.SCOPE_REQUEST);
            if (handler != null && !(handler instanceof HandlerMethod method && handlerName.equals(method.getBean()))) {
                throw notTheHandler.apply(name, handler);
            }
        }
        return requestScope.get(name, objectFactory);
    }

    @Override
    public @Nullable Object remove(String name) {
        return requestScope.remove(name);
    }

    @Override
    public void registerDestructionCallback(String name, Runnable callback) {
        requestScope.registerDestructionCallback(name, callback);
    }

    @Override
    public @Nullable Object resolveContextualObject(String key) {
        return requestScope.resolveContextualObject(key);
    }

    @Override
    public @Nullable String getConversationId() {
        return requestScope.getConversationId();
    }
}
