package dev.durablestash.spring.web.servlet;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

import dev.durablestash.core.InvalidStashValueException;
import dev.durablestash.core.StashWriteException;

/**
 * Turns DurableStash errors into HTTP statuses, ahead of the application's own exception handlers
 * so that a failed stash can never end in a success response:
 * <ul>
 * <li>{@link StashWriteException} (the storage write failed, so nothing was acknowledged): the
 * configured failure status, 503 by default, logged at WARN;</li>
 * <li>{@link InvalidStashValueException} (a field's value cannot be stored as JSON, or is too
 * large): 500, logged at ERROR with the view, key and reason.</li>
 * </ul>
 * The status is sent with {@code sendError}, so the application's error page renders it. For any other
 * exception it tells the request's views that the handler failed, and resolves nothing: the handler's
 * changes are put back before any exception handler runs, so neither a stash there nor a handler that an
 * exception handler forwards to stores them. (An application that replaces this bean loses that: such a
 * handler then stashes them.)
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class StashExceptionResolver implements HandlerExceptionResolver, Ordered {

    private static final Logger log = LoggerFactory.getLogger(StashExceptionResolver.class);

    private final int failureStatus;

    /** @param failureStatus the status for a failed stash, e.g. 503 */
    public StashExceptionResolver(int failureStatus) {
        this.failureStatus = failureStatus;
    }

    @Override
    public @Nullable ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response,
            @Nullable Object handler, Exception ex) {
        RequestViews views = RequestViews.find(request);
        // No handler: the dispatch failed finding one (405, 415, 404), so no handler of it started or failed. An
        // include that fails so leaves the handler that included it as it was: that one goes on, and is stashed.
        if (views != null && handler != null) {
            views.handlerFailed(); // its changes are never stashed, also past a forward an exception handler makes
        }
        int status;
        if (ex instanceof StashWriteException write) {
            log.warn("Stash of view '{}' failed, answering {} to {} {}: {}", write.view(), failureStatus,
                    request.getMethod(), request.getRequestURI(), write.getMessage());
            status = failureStatus;
        } else if (ex instanceof InvalidStashValueException invalid) {
            // One line: what a visitor sends can make a value unstorable, and must not flood the log. The
            // stack trace (of a serializer's failure, say) at DEBUG.
            log.error("Cannot stash key '{}' of view '{}' for {} {}: {}", invalid.key(), invalid.view(),
                    request.getMethod(), request.getRequestURI(), invalid.getMessage());
            log.debug("The stack trace of the value that cannot be stored", invalid);
            status = HttpServletResponse.SC_INTERNAL_SERVER_ERROR;
        } else {
            return null;
        }
        if (response.isCommitted()) {
            return null;
        }
        try {
            response.sendError(status);
        } catch (IOException | IllegalStateException e) {
            return null;
        }
        return new ModelAndView();
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 10;
    }
}
