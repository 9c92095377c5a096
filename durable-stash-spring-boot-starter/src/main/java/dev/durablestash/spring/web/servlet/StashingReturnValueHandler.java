package dev.durablestash.spring.web.servlet;

import java.util.concurrent.CompletionStage;

import jakarta.servlet.http.HttpServletRequest;

import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.http.ResponseEntity;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.filter.ShallowEtagHeaderFilter;
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
 * views' turns on before the stream starts (see {@link StashBeforeResponsePostProcessor}). A single
 * value it is given ({@code Mono}, {@code CompletableFuture}, also as a {@code ResponseEntity}'s body)
 * is stashed on the async dispatch that writes it instead, and so is a {@code Flux} whose values
 * Spring MVC collects into one list (a media type that does not stream): stashed before its values are
 * produced, and again on that dispatch, holding the turn until then.
 */
final class StashingReturnValueHandler implements HandlerMethodReturnValueHandler {

    /**
     * Set on the request by Spring MVC ({@code ShallowEtagHeaderFilter.disableContentCaching}) when a response
     * streams: its streaming return value handler sets it, and does not when it collects a {@code Flux}'s values.
     */
    private static final String STREAMING_ATTRIBUTE = ShallowEtagHeaderFilter.class.getName() + ".STREAMING";

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
        if (rv == null || (streaming && isSingleValue(returnValue))) {
            delegate.handleReturnValue(returnValue, returnType, mavContainer, webRequest);
            return;
        }
        rv.stashAll();
        if (!streaming) {
            delegate.handleReturnValue(returnValue, returnType, mavContainer, webRequest);
        } else if (isMultiValue(returnValue)) {
            // Spring MVC streams it (SSE, JSON lines, text), or, for other media types, collects its values
            // into one list written on an async dispatch like a deferred result: that dispatch stashes what
            // changed while the values were produced, and the turn is held until then.
            delegate.handleReturnValue(returnValue, returnType, mavContainer, webRequest);
            if (request.getAttribute(STREAMING_ATTRIBUTE) != null) {
                rv.finish();
            }
        } else {
            rv.finish();
            delegate.handleReturnValue(returnValue, returnType, mavContainer, webRequest);
        }
    }

    /**
     * A single value through the streaming handler: with Reactor on the classpath Spring MVC gives
     * it {@code CompletableFuture}s and {@code Mono}s, also as a {@code ResponseEntity}'s body, and
     * writes their one value on an async dispatch like a deferred result, so they are stashed then,
     * not now.
     */
    private static boolean isSingleValue(@Nullable Object returnValue) {
        Object body = body(returnValue);
        if (body instanceof CompletionStage<?>) {
            return true;
        }
        ReactiveAdapter adapter = adapterOf(body);
        return adapter != null && !adapter.isMultiValue();
    }

    /** @return whether it is (or, in a {@code ResponseEntity}, has as its body) a stream of values, a {@code Flux} */
    private static boolean isMultiValue(@Nullable Object returnValue) {
        ReactiveAdapter adapter = adapterOf(body(returnValue));
        return adapter != null && adapter.isMultiValue();
    }

    private static @Nullable Object body(@Nullable Object returnValue) {
        return returnValue instanceof ResponseEntity<?> entity ? entity.getBody() : returnValue;
    }

    private static @Nullable ReactiveAdapter adapterOf(@Nullable Object value) {
        return value == null ? null : ReactiveAdapterRegistry.getSharedInstance().getAdapter(value.getClass());
    }

    @Override
    public String toString() {
        return "Stashing[" + delegate + (streaming ? ", streaming" : "") + "]";
    }
}
