package dev.durablestash.spring.web.servlet;

import java.util.List;
import java.util.Objects;

import org.springframework.http.CacheControl;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.spring.StashedViews;

/**
 * Spring MVC integration: recovers {@code @StashedView} controllers before their handlers, resolves
 * {@code @StashedView} state-class and {@link dev.durablestash.spring.Stash} handler arguments, and
 * serves {@code /durable-stash.js}.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class StashedViewsWebMvcConfigurer implements WebMvcConfigurer {

    /** Where {@code /durable-stash.js} is served from. */
    public static final String SCRIPT_PATH = "/durable-stash.js";

    private final StashAdapter adapter;
    private final StashedViews views;

    /**
     * @param adapter the engine
     * @param views the application's views
     */
    public StashedViewsWebMvcConfigurer(StashAdapter adapter, StashedViews views) {
        this.adapter = Objects.requireNonNull(adapter, "adapter");
        this.views = Objects.requireNonNull(views, "views");
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new StashedViewInterceptor(adapter, views));
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new StashedViewArgumentResolver(adapter, views));
    }

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        registry.addResourceHandler(SCRIPT_PATH)
                .addResourceLocations("classpath:/META-INF/durable-stash/")
                .setCacheControl(CacheControl.noCache());
    }
}
