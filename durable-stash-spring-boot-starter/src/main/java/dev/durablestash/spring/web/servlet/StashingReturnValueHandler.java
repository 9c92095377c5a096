package dev.durablestash.spring.web.servlet;

import jakarta.servlet.http.HttpServletRequest;

import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * Wraps one of Spring MVC's return-value handlers so that the request's bound views are stashed
 * after the handler method returned and before its return value is handled: before a
 * {@code @ResponseBody} or {@code ResponseEntity} is written, before a view renders, before a
 * redirect is sent. A failed stash throws, so the response becomes the failure status instead.
 */
final class StashingReturnValueHandler implements HandlerMethodReturnValueHandler {

    private final HandlerMethodReturnValueHandler delegate;

    StashingReturnValueHandler(HandlerMethodReturnValueHandler delegate) {
        this.delegate = delegate;
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
            rv.stashAll();
        }
        delegate.handleReturnValue(returnValue, returnType, mavContainer, webRequest);
    }

    @Override
    public String toString() {
        return "Stashing[" + delegate + "]";
    }
}
