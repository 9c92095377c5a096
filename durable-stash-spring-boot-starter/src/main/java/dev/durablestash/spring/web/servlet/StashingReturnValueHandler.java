package dev.durablestash.spring.web.servlet;

import jakarta.servlet.http.HttpServletRequest;

import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
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
 * <p>A streaming handler's stash is the request's last automatic one: the request hands its views'
 * turns on before the stream starts (see {@link StashBeforeResponsePostProcessor}). Such a handler
 * also takes reactive return values, some of which Spring MVC does not stream but writes on an async
 * dispatch, as a deferred result ({@link ReactiveBodies}): those are stashed then, not now. Spring
 * MVC's {@code ResponseEntityReturnValueHandler} (for a {@code ResponseEntity} whose declared body
 * type does not tell) streams only some bodies: it hands an emitter or a reactive body to the
 * streaming handler, and writes any other at once.
 */
final class StashingReturnValueHandler implements HandlerMethodReturnValueHandler {

    private final HandlerMethodReturnValueHandler delegate;
    private final @Nullable ReactiveBodies streaming;
    private final boolean streamsOnlyEntityBodies;

    /**
     * @param delegate the handler wrapped
     * @param streaming how a handler that streams its return value writes reactive ones; {@code null}
     *     for a handler that does not stream
     * @param streamsOnlyEntityBodies the handler streams only a {@code ResponseEntity} whose body
     *     Spring MVC's streaming handler takes ({@link ReactiveBodies#streamingHandlerTakes})
     */
    StashingReturnValueHandler(HandlerMethodReturnValueHandler delegate, @Nullable ReactiveBodies streaming,
            boolean streamsOnlyEntityBodies) {
        this.delegate = delegate;
        this.streaming = streaming;
        this.streamsOnlyEntityBodies = streamsOnlyEntityBodies;
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
        if (rv != null) {
            ReactiveBodies stream = streams(returnValue) ? streaming : null;
            if (stream == null) {
                rv.stashAll();
            } else if (!stream.writtenOnAsyncDispatch(returnValue, returnType, webRequest)) {
                rv.stashAll();
                rv.finish();
            }
        }
        delegate.handleReturnValue(returnValue, returnType, mavContainer, webRequest);
    }

    /** Whether the delegate streams the return value, or writes it on an async dispatch. */
    private boolean streams(@Nullable Object returnValue) {
        return streaming != null && (!streamsOnlyEntityBodies || streaming.streamingHandlerTakes(returnValue));
    }

    @Override
    public String toString() {
        return "Stashing[" + delegate + (streaming != null ? ", streaming" : "") + "]";
    }
}
