package dev.durablestash.spring.web;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The attributes of the {@code sid} cookie, shared by the servlet {@code SidFilter} (which writes them
 * with Spring Session's {@code DefaultCookieSerializer}) and the reactive {@code SidWebFilter} (which
 * writes the same attributes on a reactive response). HttpOnly always; {@code Secure} when the request
 * came over HTTPS unless {@link #setSecure secure} says otherwise, and always with {@code SameSite=None}
 * or a {@code __Host-} or {@code __Secure-} name; the path defaults to the context path followed by
 * {@code /}; the domain to the request host (with a {@code __Host-} name, always {@code Path=/} and no
 * {@code Domain}, whatever was set: browsers refuse such a cookie otherwise); a browser-session cookie unless a
 * {@link #setMaxAge max-age} is given; cleared with {@code Max-Age=0}.
 *
 * <p>The starter makes one as a bean from the {@code durable-stash.cookie.*} properties and then hands
 * it to every {@code SidCookieCustomizer} bean, in order; an application may instead define a
 * {@code SidCookie} bean of its own. Unlike the rest of this package it is API.
 *
 * <p><b>Thread-safety:</b> configure it before the filters that use it serve requests (while the
 * application context starts); afterwards it is only read, from any thread, and must not be changed.
 */
public final class SidCookie {

    /** What RFC 6265 (by RFC 2616) does not allow in a cookie name, besides controls, space and non-ASCII. */
    private static final String SEPARATORS = "()<>@,;:\\\"/[]?={}";

    private String name = "sid";
    private @Nullable String domain;
    private @Nullable String path;
    private @Nullable Boolean secure;
    private @Nullable String sameSite = "Lax";
    private @Nullable Duration maxAge;

    /** The defaults: {@code sid}, {@code SameSite=Lax}, a browser-session cookie. */
    public SidCookie() {
    }

    /** @return the cookie name, {@code sid} by default */
    public String getName() {
        return name;
    }

    /**
     * @param name the cookie name: an RFC 6265 token (letters, digits and {@code !#$%&'*+-.^_`|~})
     * @throws IllegalArgumentException when it is empty or not such a token (a browser would not send it
     *     back, or the reactive response would refuse it on every request)
     */
    public void setName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("the sid cookie's name must not be empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= 0x20 || c >= 0x7f || SEPARATORS.indexOf(c) >= 0) {
                throw new IllegalArgumentException("the sid cookie's name must be a cookie name (RFC 6265 token: "
                        + "letters, digits and !#$%&'*+-.^_`|~), was '" + name + "'");
            }
        }
        this.name = name;
    }

    /**
     * @return the {@code Domain} attribute, or {@code null} for the request host; always {@code null} when
     *     the name has the {@code __Host-} prefix, which browsers refuse with a {@code Domain}
     */
    public @Nullable String getDomain() {
        return hasPrefix("__Host-") ? null : domain;
    }

    /**
     * @param domain the {@code Domain} attribute, or {@code null} (or empty) for the request host
     * @throws IllegalArgumentException when it is not a host name as the cookie writers accept one
     *     (letters, digits, dots and hyphens, each label starting and ending with a letter or digit, no
     *     leading dot): {@code DefaultCookieSerializer} would refuse it on every response that sets the
     *     cookie
     */
    public void setDomain(@Nullable String domain) {
        if (domain != null && !domain.isEmpty() && !isHostName(domain)) {
            throw new IllegalArgumentException("the sid cookie's domain must be a host name such as example.com "
                    + "(letters, digits, dots and hyphens, each label starting and ending with a letter or digit, no "
                    + "leading dot, which browsers ignore; no scheme, port or path), was '" + domain + "'");
        }
        this.domain = domain;
    }

    /**
     * What Spring Session's {@code DefaultCookieSerializer} accepts as a domain (the reactive
     * {@code ResponseCookie} accepts a little more: a leading dot): the stricter of the two writers, so
     * that the property means the same on both stacks.
     */
    private static boolean isHostName(String domain) {
        char previous = '.'; // a label starts at the beginning
        for (int i = 0; i < domain.length(); i++) {
            char c = domain.charAt(i);
            boolean letterOrDigit = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!letterOrDigit && c != '.' && c != '-') {
                return false;
            }
            if ((previous == '.' && !letterOrDigit) || (previous == '-' && c == '.')) {
                return false; // a label starts with a letter or digit, and ends with one
            }
            previous = c;
        }
        return previous != '.' && previous != '-';
    }

    /**
     * @return the {@code Path} attribute, or {@code null} for the context path followed by {@code /};
     *     always {@code /} when the name has the {@code __Host-} prefix, which browsers accept only with
     *     {@code Path=/}
     */
    public @Nullable String getPath() {
        return hasPrefix("__Host-") ? "/" : path;
    }

    /** @return whether the name starts with {@code prefix} (browsers compare cookie prefixes in any case) */
    private boolean hasPrefix(String prefix) {
        return name.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    /**
     * @param path the {@code Path} attribute, or {@code null} for the context path followed by {@code /}
     * @throws IllegalArgumentException when it does not start with {@code /} (a browser would ignore it and
     *     use the request's directory instead) or holds a character the cookie writers refuse (a control or
     *     non-ASCII character, or {@code ;})
     */
    public void setPath(@Nullable String path) {
        if (path != null) {
            boolean valid = path.startsWith("/");
            for (int i = 0; i < path.length() && valid; i++) {
                char c = path.charAt(i);
                valid = c >= 0x20 && c <= 0x7e && c != ';';
            }
            if (!valid) {
                throw new IllegalArgumentException("the sid cookie's path must start with / and hold only printable "
                        + "ASCII characters other than ';', was '" + path + "'");
            }
        }
        this.path = path;
    }

    /**
     * @return {@code Secure} forced on or off, or {@code null} to follow the request (HTTPS or not);
     *     always on when {@link #getSameSite() SameSite} is {@code None} or the name has the
     *     {@code __Host-} or {@code __Secure-} prefix, whatever was set: browsers refuse such a cookie
     *     without {@code Secure}, so the session would never stick
     */
    public @Nullable Boolean getSecure() {
        return "None".equals(sameSite) || hasPrefix("__Host-") || hasPrefix("__Secure-") ? Boolean.TRUE : secure;
    }

    /**
     * @param secure force {@code Secure} on or off, or {@code null} to follow the request (on whatever
     *     this says with {@code SameSite=None} or a {@code __Host-} or {@code __Secure-} name)
     */
    public void setSecure(@Nullable Boolean secure) {
        this.secure = secure;
    }

    /** @return the {@code SameSite} attribute, {@code Lax} by default */
    public @Nullable String getSameSite() {
        return sameSite;
    }

    /**
     * @param sameSite the {@code SameSite} attribute: {@code Lax}, {@code Strict} or {@code None} (any
     *     case; None needs Secure in browsers); {@code null} or blank for the default, {@code Lax}, on both
     *     stacks
     * @throws IllegalArgumentException for any other value
     */
    public void setSameSite(@Nullable String sameSite) {
        if (sameSite == null || sameSite.isBlank()) {
            this.sameSite = "Lax";
            return;
        }
        for (String allowed : new String[] { "Lax", "Strict", "None" }) {
            if (allowed.equalsIgnoreCase(sameSite.strip())) {
                this.sameSite = allowed;
                return;
            }
        }
        throw new IllegalArgumentException("the sid cookie's same-site must be Lax, Strict or None, was '" + sameSite
                + "'");
    }

    /** @return the cookie lifetime, or {@code null} for a browser-session cookie */
    public @Nullable Duration getMaxAge() {
        return maxAge;
    }

    /**
     * @param maxAge the cookie lifetime, refreshed on every request that uses the sid, or {@code null}
     *     for a browser-session cookie
     * @throws IllegalArgumentException when it is shorter than a second (the cookie's {@code Max-Age}
     *     counts whole seconds: a shorter one would be written as 0, which deletes the cookie) or longer
     *     than {@link Integer#MAX_VALUE} seconds
     */
    public void setMaxAge(@Nullable Duration maxAge) {
        if (maxAge != null && (maxAge.getSeconds() < 1 || maxAge.getSeconds() > Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("the sid cookie's max-age must be positive, at least 1 second (a "
                    + "bare number means seconds), and at most " + Integer.MAX_VALUE + " seconds, was " + maxAge);
        }
        this.maxAge = maxAge;
    }

    @Override
    public String toString() {
        return "SidCookie[name=" + name + ", domain=" + domain + ", path=" + path + ", secure=" + secure
                + ", sameSite=" + sameSite + ", maxAge=" + maxAge + "]";
    }
}
