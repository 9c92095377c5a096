package dev.durablestash.spring.web.servlet;

import java.util.ArrayList;
import java.util.List;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.web.method.support.AsyncHandlerMethodReturnValueHandler;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

/**
 * Makes Spring MVC stash a request's {@code @StashedView}s after the handler method returns and
 * before the response is written or committed, whatever the handler returns (a view name, a
 * redirect, a {@code @ResponseBody}, a {@code ResponseEntity}): it wraps the return-value handlers
 * of every {@link RequestMappingHandlerAdapter}.
 *
 * <p>Asynchronous return values ({@code Callable}, {@code DeferredResult}, {@code CompletableFuture},
 * ...) are left alone: such handlers should call {@link dev.durablestash.spring.Stash#stashNow()}.
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
                    boolean leave = handler instanceof AsyncHandlerMethodReturnValueHandler
                            || handler instanceof StashingReturnValueHandler;
                    wrapped.add(leave ? handler : new StashingReturnValueHandler(handler));
                }
                adapter.setReturnValueHandlers(wrapped);
            }
        }
        return bean;
    }
}
