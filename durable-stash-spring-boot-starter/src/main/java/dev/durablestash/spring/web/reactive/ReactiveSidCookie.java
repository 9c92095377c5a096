package dev.durablestash.spring.web.reactive;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.http.HttpCookie;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.spring.web.SidCookie;

/**
 * Reads and writes the {@code sid} cookie of an exchange as a {@link SidCookie} says, with the attributes
 * Spring Session's {@code DefaultCookieSerializer} gives the servlet one (which cannot write a reactive
 * response).
 *
 * <p>Stateless and thread-safe.
 */
final class ReactiveSidCookie {

    private ReactiveSidCookie() {
    }

    /** @return the values of every cookie of this name that came with the request */
    static List<String> read(SidCookie sidCookie, ServerWebExchange exchange) {
        List<HttpCookie> cookies = exchange.getRequest().getCookies().get(sidCookie.getName());
        List<String> values = new ArrayList<>(cookies == null ? 0 : cookies.size());
        if (cookies != null) {
            for (HttpCookie cookie : cookies) {
                values.add(cookie.getValue());
            }
        }
        return values;
    }

    /** Sets the cookie on the response to {@code value}, or clears it for {@code ""}. */
    static void write(SidCookie sidCookie, ServerWebExchange exchange, String value) {
        ServerHttpRequest request = exchange.getRequest();
        Boolean secure = sidCookie.getSecure();
        String path = sidCookie.getPath();
        ResponseCookie.ResponseCookieBuilder cookie = ResponseCookie.from(sidCookie.getName(), value)
                .httpOnly(true)
                .secure(secure != null ? secure : "https".equalsIgnoreCase(request.getURI().getScheme())
                        || request.getSslInfo() != null)
                .path(path != null ? path : request.getPath().contextPath().value() + "/");
        String domain = sidCookie.getDomain();
        if (domain != null) {
            cookie.domain(domain);
        }
        String sameSite = sidCookie.getSameSite();
        if (sameSite != null && !sameSite.isBlank()) {
            cookie.sameSite(sameSite);
        }
        Duration maxAge = sidCookie.getMaxAge();
        if (value.isEmpty()) {
            cookie.maxAge(Duration.ZERO);
        } else if (maxAge != null) {
            cookie.maxAge(maxAge);
        }
        exchange.getResponse().getCookies().set(sidCookie.getName(), cookie.build());
    }
}
