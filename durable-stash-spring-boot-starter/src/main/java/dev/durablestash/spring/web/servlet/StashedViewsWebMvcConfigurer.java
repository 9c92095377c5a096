package dev.durablestash.spring.web.servlet;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.spring.web.StashedViews;

/**
 * Spring MVC integration: recovers view controllers (controllers with {@code @Stashed} fields) before
 * their handlers, and resolves view state-class and {@link dev.durablestash.spring.Stash} handler
 * arguments.
 *
 * <p>As a {@link WebMvcConfigurer} it adds the starter's argument resolver. The interceptor that recovers
 * and stashes view controllers does not depend on it: {@link StashBeforeResponsePostProcessor} gives it to
 * every handler mapping bean, and the argument resolver to every {@code RequestMappingHandlerAdapter} that
 * lacks it, so an application that configures Spring MVC without {@code WebMvcConfigurer}s (one that
 * extends {@code WebMvcConfigurationSupport}) gets both too. {@code /durable-stash.js} is served by a
 * handler mapping of its own (see {@link #SCRIPT_PATH}).
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class StashedViewsWebMvcConfigurer implements WebMvcConfigurer {

    /**
     * Where {@code /durable-stash.js} is served from: the auto-configuration's handler mapping
     * {@code durableStashScriptHandlerMapping}, ordered after the application's controllers and before its
     * static resources.
     */
    public static final String SCRIPT_PATH = "/durable-stash.js";

    private final StashedViewInterceptor interceptor;
    private final StashedViewArgumentResolver argumentResolver;

    /**
     * @param adapter the engine
     * @param views the application's views
     * @param operationTimeout the engine's {@link dev.durablestash.core.StashSettings#operationTimeout()
     *     operation timeout}: a request waits for the engine at most that long (plus
     *     {@link dev.durablestash.spring.web.BoundViews#WAIT_MARGIN}) each time
     */
    public StashedViewsWebMvcConfigurer(StashAdapter adapter, StashedViews views, Duration operationTimeout) {
        StashContext context = new StashContext(Objects.requireNonNull(adapter, "adapter"),
                Objects.requireNonNull(views, "views"), Objects.requireNonNull(operationTimeout, "operationTimeout"));
        this.interceptor = new StashedViewInterceptor(context);
        this.argumentResolver = new StashedViewArgumentResolver(context);
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(argumentResolver);
    }

    /** @return the interceptor that recovers and stashes views, one for every handler mapping */
    StashedViewInterceptor interceptor() {
        return interceptor;
    }

    /** @return the argument resolver of views and {@code Stash} handles, one for every handler adapter */
    StashedViewArgumentResolver argumentResolver() {
        return argumentResolver;
    }
}
