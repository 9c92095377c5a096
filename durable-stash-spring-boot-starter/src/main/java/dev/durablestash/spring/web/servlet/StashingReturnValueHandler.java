package dev.durablestash.spring.web.servlet;

import java.util.concurrent.CompletionStage;

import jakarta.servlet.http.HttpServletRequest;

import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.http.ResponseEntity;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * Wraps one of Spring MVC's return-value handlers so that the request's bound views are stashed
 * after the handler method returned (or, for a deferred result, after the result was produced) and
 * before its return value is handled: before a {@code @ResponseBody} or {@code ResponseEntity} is
 * written, before a view renders, before a redirect is sent, before a stream starts. A failed stash
 * throws, so the response becomes the failure status instead.
 *
 * <p>A {@code streaming} handler's stash is the request's last automatic one: the request hands its
 * views' turns on before the stream starts (see {@link StashBeforeResponsePostProcessor}).
 */
final class StashingReturnValueHandler implements HandlerMethodReturnValueHandler {

    private final HandlerMethodReturnValueHandler delegate;
    private final boolean streaming;

    StashingReturnValueHandler(HandlerMethodReturnValueHandler delegate, boolean streaming) {
        this.delegate = delegate;
        this.streaming = streaming;
    }

    @Override
    public boolean supportsReturnType(MethodParameter returnType) {
        return delegate.supportsReturnType(returnType);
    }

    @Override
    public void handleReturnValue(@Nullable Object returnValue, MethodParameter returnType,
            ModelAndViewContainer mavContainer, NativeWebRequest webRequest) throws Exception {
        HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
        RequestViews rv = request != null ? RequestViews.find(request) : null;
        if (rv != null && !(streaming && isSingleValue(returnValue))) {
            rv.stashAll();
            if (streaming) {
                rv.finish();
            }
        }
        delegate.handleReturnValue(returnValue, returnType, mavContainer, webRequest);
    }

    /**
     * A single value through the streaming handler: with Reactor on the classpath Spring MVC gives
     * it {@code CompletableFuture}s and {@code Mono}s, also as a {@code ResponseEntity}'s body, and
     * writes their one value on an async dispatch like a deferred result, so they are stashed then,
     * not now.
     */
    private static boolean isSingleValue(@Nullable Object returnValue) {
        if (returnValue instanceof ResponseEntity<?> entity) {
            returnValue = entity.getBody();
        }
        if (returnValue == null) {
            return false;
        }
        if (returnValue instanceof CompletionStage<?>) {
            return true;
        }
        ReactiveAdapter adapter = ReactiveAdapterRegistry.getSharedInstance().getAdapter(returnValue.getClass());
        return adapter != null && !adapter.isMultiValue();
    }

    @Override
    public String toString() {
        return "Stashing[" + delegate + (streaming ? ", streaming" : "") + "]";
    }
}
