package dev.durablestash.spring.web.reactive;

import java.time.Duration;
import java.util.Objects;

import org.springframework.http.CacheControl;
import org.springframework.web.reactive.config.ResourceHandlerRegistry;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.spring.web.StashedViews;

/**
 * Spring WebFlux integration: resolves view state-class and {@link ReactiveStash} handler arguments,
 * and serves {@code /durable-stash.js}. With {@link StashedViewsHandlerAdapter} (recovery before the
 * handler), {@link SidWebFilter} (the cookie) and {@link ReactiveStashExceptionHandler} (statuses).
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class StashedViewsWebFluxConfigurer implements WebFluxConfigurer {

    /** Where {@code /durable-stash.js} is served from. */
    public static final String SCRIPT_PATH = "/durable-stash.js";

    private final StashContext context;

    /**
     * @param adapter the engine
     * @param views the application's views
     * @param operationTimeout the engine's {@link dev.durablestash.core.StashSettings#operationTimeout()
     *     operation timeout}: an exchange waits for the engine at most that long (plus
     *     {@link dev.durablestash.spring.web.BoundViews#WAIT_MARGIN}) each time
     * @param failureStatus the status of a failed stash (400 to 599)
     * @throws IllegalArgumentException if the status is not an HTTP error status
     */
    public StashedViewsWebFluxConfigurer(StashAdapter adapter, StashedViews views, Duration operationTimeout,
            int failureStatus) {
        if (failureStatus < 400 || failureStatus > 599) {
            throw new IllegalArgumentException("failure status " + failureStatus + " is not 400 to 599");
        }
        this.context = new StashContext(Objects.requireNonNull(adapter, "adapter"),
                Objects.requireNonNull(views, "views"), Objects.requireNonNull(operationTimeout, "operationTimeout"),
                failureStatus);
    }

    StashContext context() {
        return context;
    }

    @Override
    public void configureArgumentResolvers(ArgumentResolverConfigurer configurer) {
        configurer.addCustomResolver(new StashedViewArgumentResolver(context));
    }

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        registry.addResourceHandler(SCRIPT_PATH)
                .addResourceLocations("classpath:/META-INF/durable-stash/")
                .setCacheControl(CacheControl.noCache());
    }
}
