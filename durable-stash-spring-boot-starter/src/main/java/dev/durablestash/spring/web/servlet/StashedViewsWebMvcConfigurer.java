package dev.durablestash.spring.web.servlet;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import org.springframework.http.CacheControl;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.spring.web.StashedViews;

/**
 * Spring MVC integration: recovers view controllers (controllers with {@code @Stashed} fields) before
 * their handlers, resolves view state-class and {@link dev.durablestash.spring.Stash} handler
 * arguments, and serves {@code /durable-stash.js}.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class StashedViewsWebMvcConfigurer implements WebMvcConfigurer {

    /** Where {@code /durable-stash.js} is served from. */
    public static final String SCRIPT_PATH = "/durable-stash.js";

    private final StashContext context;

    /**
     * @param adapter the engine
     * @param views the application's views
     * @param operationTimeout the engine's {@link dev.durablestash.core.StashSettings#operationTimeout()
     *     operation timeout}: a request waits for the engine at most that long (plus
     *     {@link dev.durablestash.spring.web.BoundViews#WAIT_MARGIN}) each time
     */
    public StashedViewsWebMvcConfigurer(StashAdapter adapter, StashedViews views, Duration operationTimeout) {
        this.context = new StashContext(Objects.requireNonNull(adapter, "adapter"),
                Objects.requireNonNull(views, "views"), Objects.requireNonNull(operationTimeout, "operationTimeout"));
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new StashedViewInterceptor(context));
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new StashedViewArgumentResolver(context));
    }

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        registry.addResourceHandler(SCRIPT_PATH)
                .addResourceLocations("classpath:/META-INF/durable-stash/")
                .setCacheControl(CacheControl.noCache());
    }
}
