package dev.durablestash.spring.web.servlet;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.InstantiationAwareBeanPostProcessor;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.web.accept.ContentNegotiationManager;
import org.springframework.web.method.support.AsyncHandlerMethodReturnValueHandler;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.servlet.handler.AbstractHandlerMapping;
import org.springframework.web.servlet.mvc.method.annotation.AsyncTaskMethodReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.CallableMethodReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.DeferredResultMethodReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitterReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBodyReturnValueHandler;

/**
 * Makes Spring MVC stash a request's views after the handler method returns and
 * before the response is written or committed, whatever the handler returns (a view name, a
 * redirect, a {@code @ResponseBody}, a {@code ResponseEntity}): it wraps the return-value handlers
 * of every {@link RequestMappingHandlerAdapter}.
 *
 * <p>Asynchronous return values follow two rules:
 * <ul>
 * <li><b>Deferred results</b> ({@code Callable}, {@code DeferredResult}, {@code CompletionStage} such
 * as {@code CompletableFuture}, {@code WebAsyncTask}, a {@code Mono}, a {@code Flux} that Spring MVC
 * collects into a list rather than streams (see below), a {@code CompletionStage}, {@code Mono} or
 * such a {@code Flux} as a {@code ResponseEntity}'s body, and any custom
 * {@link AsyncHandlerMethodReturnValueHandler}): nothing is stashed when the handler method returns.
 * Spring MVC dispatches the request again once the result is produced; the changes, those of the
 * handler method and those made while producing the result, are stashed then, once, before the result
 * is rendered or written. The request keeps its views' turns until then (reached through a forward,
 * those of the views the asynchronous handler binds: the others are handed on when it starts).</li>
 * <li><b>Streaming responses</b> ({@code ResponseBodyEmitter}, {@code SseEmitter},
 * {@code StreamingResponseBody}, a {@code Flux} that Spring MVC streams, and {@code ResponseEntity}s
 * of them): the changes are stashed when the handler method returns, before the first byte is sent
 * (and before the {@code Flux} is subscribed), and the request hands its turns on. Changes made while
 * the response streams are stored only by {@link dev.durablestash.spring.Stash#stashNow()}; any left
 * are reported (ERROR) when the stream ends, never stashed after the client has seen them.</li>
 * </ul>
 *
 * <p>Whether a {@code Flux} (any multi-value reactive type) streams is decided as Spring MVC decides
 * it: it streams as server-sent events, as JSON lines or as text, by the media type (the
 * {@code ResponseEntity}'s content type, else those the handler produces, else those the request
 * accepts, by the content negotiation manager of Spring MVC's configuration, the bean
 * {@code mvcContentNegotiationManager}) or by the type of its elements, and is collected otherwise
 * (into a JSON array, say).
 *
 * <p>It also connects the starter to Spring MVC however the application configures it (with Spring Boot's
 * MVC auto-configuration and {@code WebMvcConfigurer}s, by extending {@code WebMvcConfigurationSupport}, or
 * with handler mappings and adapters it builds itself): it gives every {@link AbstractHandlerMapping} bean the
 * interceptor that recovers and stashes views, after the interceptors the mapping was given when it was made
 * (before the mapping adapts its interceptors, when the application context is set), and every
 * {@link RequestMappingHandlerAdapter} whose custom argument resolvers lack the starter's resolver of views
 * and {@code Stash} handles that resolver (before it builds its resolvers). Both are taken from the
 * {@link StashedViewsWebMvcConfigurer} bean; without one, nothing is added, and {@link StashedViewsVerifier}
 * refuses any handler that binds a view.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class StashBeforeResponsePostProcessor
        implements InstantiationAwareBeanPostProcessor, BeanFactoryAware {

    /** The bean Spring MVC's configuration gives its handler adapter as content negotiation manager. */
    private static final String CONTENT_NEGOTIATION_MANAGER = "mvcContentNegotiationManager";

    private volatile @Nullable BeanFactory beanFactory;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    /**
     * Adds the starter's interceptor to a handler mapping, once it is made and before its application context
     * is set (when it adapts its interceptors).
     */
    @Override
    public boolean postProcessAfterInstantiation(Object bean, String beanName) {
        if (bean instanceof AbstractHandlerMapping mapping) {
            StashedViewsWebMvcConfigurer configurer = configurer();
            if (configurer != null) {
                mapping.setInterceptors(configurer.interceptor()); // adds to those it has
            }
        }
        return true;
    }

    /**
     * Adds the starter's argument resolver to a handler adapter's custom ones when it lacks it (its
     * configuration applied no {@code WebMvcConfigurer}) and its resolvers are not set already: the adapter
     * builds its resolvers, custom ones included, when it is initialised.
     */
    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof RequestMappingHandlerAdapter adapter && adapter.getArgumentResolvers() == null) {
            List<HandlerMethodArgumentResolver> custom = adapter.getCustomArgumentResolvers();
            StashedViewsWebMvcConfigurer configurer = configurer();
            if (configurer != null && (custom == null
                    || custom.stream().noneMatch(StashedViewArgumentResolver.class::isInstance))) {
                List<HandlerMethodArgumentResolver> resolvers = custom == null ? new ArrayList<>()
                        : new ArrayList<>(custom);
                resolvers.add(configurer.argumentResolver());
                adapter.setCustomArgumentResolvers(resolvers);
            }
        }
        return bean;
    }

    /** @return the application's {@link StashedViewsWebMvcConfigurer}, or {@code null} when it has none */
    private @Nullable StashedViewsWebMvcConfigurer configurer() {
        BeanFactory factory = beanFactory;
        return factory == null ? null : factory.getBeanProvider(StashedViewsWebMvcConfigurer.class).getIfUnique();
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof RequestMappingHandlerAdapter adapter) {
            List<HandlerMethodReturnValueHandler> handlers = adapter.getReturnValueHandlers();
            if (handlers != null) {
                ReactiveBodies reactiveBodies = new ReactiveBodies(adapter.getReactiveAdapterRegistry(),
                        SingletonSupplier.of(this::contentNegotiationManager));
                List<HandlerMethodReturnValueHandler> wrapped = new ArrayList<>(handlers.size());
                for (HandlerMethodReturnValueHandler handler : handlers) {
                    wrapped.add(wrap(handler, reactiveBodies));
                }
                adapter.setReturnValueHandlers(wrapped);
            }
        }
        return bean;
    }

    private static HandlerMethodReturnValueHandler wrap(HandlerMethodReturnValueHandler handler,
            ReactiveBodies reactiveBodies) {
        if (handler instanceof StashingReturnValueHandler || producesDeferredResult(handler)) {
            return handler; // a deferred result is stashed by the handler that writes it, on the async dispatch
        }
        boolean streaming = handler instanceof ResponseBodyEmitterReturnValueHandler
                || handler instanceof StreamingResponseBodyReturnValueHandler;
        boolean streamsSomeEntities = handler instanceof ResponseEntityReturnValueHandler;
        return new StashingReturnValueHandler(handler, streaming || streamsSomeEntities ? reactiveBodies : null,
                streamsSomeEntities);
    }

    /**
     * The content negotiation manager Spring MVC's configuration gives its handler adapter, by which
     * the adapter's {@code ResponseBodyEmitterReturnValueHandler} finds the media types a {@code Flux} is
     * written in; else the only one there is; else one that reads the {@code Accept} header, as an
     * adapter has by default.
     */
    private ContentNegotiationManager contentNegotiationManager() {
        BeanFactory factory = beanFactory;
        if (factory != null) {
            if (factory.containsBean(CONTENT_NEGOTIATION_MANAGER)
                    && factory.isTypeMatch(CONTENT_NEGOTIATION_MANAGER, ContentNegotiationManager.class)) {
                return factory.getBean(CONTENT_NEGOTIATION_MANAGER, ContentNegotiationManager.class);
            }
            ContentNegotiationManager only = factory.getBeanProvider(ContentNegotiationManager.class).getIfUnique();
            if (only != null) {
                return only;
            }
        }
        return new ContentNegotiationManager();
    }

    private static boolean producesDeferredResult(HandlerMethodReturnValueHandler handler) {
        return handler instanceof AsyncHandlerMethodReturnValueHandler
                || handler instanceof CallableMethodReturnValueHandler
                || handler instanceof DeferredResultMethodReturnValueHandler
                || handler instanceof AsyncTaskMethodReturnValueHandler;
    }
}
