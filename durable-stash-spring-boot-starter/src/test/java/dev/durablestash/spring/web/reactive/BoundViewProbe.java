package dev.durablestash.spring.web.reactive;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.web.BoundViews;

/**
 * Reads the state of an exchange's bound views for the WebFlux tests (reflectively: test-only), so that a test
 * can wait for a write to be in flight, to have failed or to have landed before it goes on.
 */
final class BoundViewProbe {

    private BoundViewProbe() {
    }

    /**
     * @param method a no-argument method of the binding (e.g. {@code stashNotLanded}, {@code resetNotLanded})
     * @return what it returns for the bound view named {@code view}, or {@code null} when that view is not bound
     */
    static @Nullable Object call(ServerWebExchange exchange, String view, String method) {
        for (Stash binding : bindings(exchange)) {
            if (binding.view().equals(view)) {
                return invoke(binding, method);
            }
        }
        return null;
    }

    /** @return {@code view=result} of the method for each bound view, in the order they were bound */
    static List<String> callOnEach(ServerWebExchange exchange, String method) {
        List<String> out = new ArrayList<>();
        for (Stash binding : bindings(exchange)) {
            out.add(binding.view() + "=" + invoke(binding, method));
        }
        return out;
    }

    private static List<Stash> bindings(ServerWebExchange exchange) {
        ExchangeViews views = ExchangeViews.find(exchange);
        if (views == null) {
            return List.of();
        }
        try {
            Field bound = ExchangeViews.class.getDeclaredField("bound");
            bound.setAccessible(true);
            return ((BoundViews) bound.get(views)).all();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static @Nullable Object invoke(Stash binding, String method) {
        try {
            Method found = binding.getClass().getDeclaredMethod(method);
            found.setAccessible(true);
            return found.invoke(binding);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
