package dev.durablestash.spring.web.servlet;

import java.util.ArrayList;
import java.util.List;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.web.method.support.AsyncHandlerMethodReturnValueHandler;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.AsyncTaskMethodReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.CallableMethodReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.DeferredResultMethodReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitterReturnValueHandler;
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
 * as {@code CompletableFuture}, {@code WebAsyncTask}, a {@code Mono} (also in a {@code ResponseEntity}), and any custom
 * {@link AsyncHandlerMethodReturnValueHandler}): nothing is stashed when the handler method returns.
 * Spring MVC dispatches the request again once the result is produced; the changes, those of the
 * handler method and those made while producing the result, are stashed then, once, before the result
 * is rendered or written. The request keeps its views' turns until then (reached through a forward,
 * those of the views the asynchronous handler binds: the others are handed on when it starts).</li>
 * <li><b>Streaming responses</b> ({@code ResponseBodyEmitter}, {@code SseEmitter},
 * {@code StreamingResponseBody}, a {@code Flux} (also one Spring MVC collects into a list rather than
 * streams), and {@code ResponseEntity}s of them): the changes are
 * stashed when the handler method returns, before the first byte is sent, and the request hands its
 * turns on. Changes made while the response streams are stored only by
 * {@link dev.durablestash.spring.Stash#stashNow()}; any left are reported (ERROR) when the stream
 * ends, never stashed after the client has seen them.</li>
 * </ul>
 *
 * <p><b>Thread-safety:</b> thread-safe; stateless.
 */
public final class StashBeforeResponsePostProcessor implements BeanPostProcessor {

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof RequestMappingHandlerAdapter adapter) {
            List<HandlerMethodReturnValueHandler> handlers = adapter.getReturnValueHandlers();
            if (handlers != null) {
                List<HandlerMethodReturnValueHandler> wrapped = new ArrayList<>(handlers.size());
                for (HandlerMethodReturnValueHandler handler : handlers) {
                    wrapped.add(wrap(handler));
                }
                adapter.setReturnValueHandlers(wrapped);
            }
        }
        return bean;
    }

    private static HandlerMethodReturnValueHandler wrap(HandlerMethodReturnValueHandler handler) {
        if (handler instanceof StashingReturnValueHandler || producesDeferredResult(handler)) {
            return handler; // a deferred result is stashed by the handler that writes it, on the async dispatch
        }
        boolean streaming = handler instanceof ResponseBodyEmitterReturnValueHandler
                || handler instanceof StreamingResponseBodyReturnValueHandler;
        return new StashingReturnValueHandler(handler, streaming);
    }

    private static boolean producesDeferredResult(HandlerMethodReturnValueHandler handler) {
        return handler instanceof AsyncHandlerMethodReturnValueHandler
                || handler instanceof CallableMethodReturnValueHandler
                || handler instanceof DeferredResultMethodReturnValueHandler
                || handler instanceof AsyncTaskMethodReturnValueHandler;
    }
}
