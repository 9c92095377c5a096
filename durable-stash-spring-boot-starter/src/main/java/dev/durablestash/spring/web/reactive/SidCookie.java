package dev.durablestash.spring.web.reactive;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpCookie;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * How the reactive {@code sid} cookie is written: the attributes Spring Session's
 * {@code DefaultCookieSerializer} gives the servlet one. HttpOnly always; {@code Secure} when the
 * request came over HTTPS unless {@code secure} says otherwise; the path defaults to the context
 * path followed by {@code /}; the domain to the request host; a browser-session cookie unless a
 * {@code maxAge} is given; cleared with {@code Max-Age=0}.
 *
 * @param name the cookie name, not empty
 * @param domain the {@code Domain} attribute, or {@code null} for the request host
 * @param path the {@code Path} attribute, or {@code null} for the context path
 * @param secure force {@code Secure} on or off, or {@code null} to follow the request
 * @param sameSite the {@code SameSite} attribute ({@code Lax}, {@code Strict}, {@code None}), or
 *     {@code null} for none
 * @param maxAge the cookie lifetime, or {@code null} for a browser-session cookie
 */
public record SidCookie(String name, @Nullable String domain, @Nullable String path, @Nullable Boolean secure,
        @Nullable String sameSite, @Nullable Duration maxAge) {

    /**
     * @throws IllegalArgumentException when the name is empty or the max-age is not positive
     */
    public SidCookie {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("the cookie name must not be empty");
        }
        if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
            throw new IllegalArgumentException("the cookie max-age must be positive");
        }
    }

    /** @return the defaults: {@code sid}, {@code SameSite=Lax}, a browser-session cookie */
    public static SidCookie defaults() {
        return new SidCookie("sid", null, null, null, "Lax", null);
    }

    /** @return the values of every cookie of this name that came with the request */
    List<String> read(ServerWebExchange exchange) {
        List<HttpCookie> cookies = exchange.getRequest().getCookies().get(name);
        List<String> values = new ArrayList<>(cookies == null ? 0 : cookies.size());
        if (cookies != null) {
            for (HttpCookie cookie : cookies) {
                values.add(cookie.getValue());
            }
        }
        return values;
    }

    /** Sets the cookie on the response to {@code value}, or clears it for {@code ""}. */
    void write(ServerWebExchange exchange, String value) {
        ServerHttpRequest request = exchange.getRequest();
        ResponseCookie.ResponseCookieBuilder cookie = ResponseCookie.from(name, value)
                .httpOnly(true)
                .secure(secure != null ? secure : "https".equalsIgnoreCase(request.getURI().getScheme())
                        || request.getSslInfo() != null)
                .path(path != null ? path : request.getPath().contextPath().value() + "/");
        if (domain != null) {
            cookie.domain(domain);
        }
        if (sameSite != null && !sameSite.isBlank()) {
            cookie.sameSite(sameSite);
        }
        if (value.isEmpty()) {
            cookie.maxAge(Duration.ZERO);
        } else if (maxAge != null) {
            cookie.maxAge(maxAge);
        }
        exchange.getResponse().getCookies().set(name, cookie.build());
    }
}
