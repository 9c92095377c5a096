package dev.durablestash.spring.web.servlet;

import java.time.Duration;

import org.springframework.session.web.http.CookieSerializer;
import org.springframework.session.web.http.DefaultCookieSerializer;

import dev.durablestash.spring.web.SidCookie;

/** Makes the Spring Session {@link CookieSerializer} that writes a {@link SidCookie} on a servlet response. */
final class SidCookieSerializer {

    private SidCookieSerializer() {
    }

    /** @return a {@code DefaultCookieSerializer} with the cookie's attributes, HttpOnly, values not base64-encoded */
    static CookieSerializer of(SidCookie cookie) {
        DefaultCookieSerializer serializer = new DefaultCookieSerializer();
        serializer.setUseBase64Encoding(false);
        serializer.setUseHttpOnlyCookie(true);
        serializer.setCookieName(cookie.getName());
        if (cookie.getDomain() != null) {
            serializer.setDomainName(cookie.getDomain());
        }
        if (cookie.getPath() != null) {
            serializer.setCookiePath(cookie.getPath());
        }
        if (cookie.getSecure() != null) {
            serializer.setUseSecureCookie(cookie.getSecure());
        }
        String sameSite = cookie.getSameSite();
        if (sameSite != null && !sameSite.isBlank()) { // blank: the serializer's default, Lax
            serializer.setSameSite(sameSite);
        }
        Duration maxAge = cookie.getMaxAge();
        if (maxAge != null) {
            serializer.setCookieMaxAge((int) maxAge.getSeconds());
        }
        return serializer;
    }
}
