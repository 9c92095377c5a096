package dev.durablestash.spring.security;

import jakarta.servlet.http.HttpServletRequest;

import org.jspecify.annotations.Nullable;

import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

import dev.durablestash.spring.web.servlet.BrowserSession;

/** The browser session of the request this thread serves (Spring Boot's request context filter runs before Spring Security's). */
final class CurrentRequest {

    private CurrentRequest() {
    }

    static @Nullable BrowserSession browserSession() {
        RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
        if (attributes instanceof ServletRequestAttributes servlet) {
            HttpServletRequest request = servlet.getRequest();
            return BrowserSession.find(request);
        }
        return null;
    }
}
