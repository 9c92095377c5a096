package dev.durablestash.spring.web.servlet;

import java.util.Set;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectFactory;
import org.springframework.beans.factory.config.Scope;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * The request scope, with a clear startup failure for a view controller asked for outside a request:
 * injected into a singleton (which would hold one instance for every browser) or looked up at startup.
 * Spring's own failure there names neither the view nor the fix. Everything else is the request
 * scope's.
 *
 * <p><b>Thread-safety:</b> thread-safe, as the scope it wraps.
 */
final class ViewControllerScope implements Scope {

    private final Scope requestScope;
    private final Set<String> viewControllers;
    private final Function<String, IllegalStateException> outsideRequest;

    ViewControllerScope(Scope requestScope, Set<String> viewControllers,
            Function<String, IllegalStateException> outsideRequest) {
        this.requestScope = requestScope;
        this.viewControllers = Set.copyOf(viewControllers);
        this.outsideRequest = outsideRequest;
    }

    @Override
    public Object get(String name, ObjectFactory<?> objectFactory) {
        if (RequestContextHolder.getRequestAttributes() == null && viewControllers.contains(name)) {
            throw outsideRequest.apply(name);
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
