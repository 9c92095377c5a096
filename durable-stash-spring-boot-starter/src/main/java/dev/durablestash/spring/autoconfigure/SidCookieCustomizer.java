package dev.durablestash.spring.autoconfigure;

import dev.durablestash.spring.web.SidCookie;

/**
 * Customizes the auto-configured {@link SidCookie} (the {@code sid} cookie of the servlet and the
 * reactive filter alike) after the {@code durable-stash.cookie.*} properties were applied: declare
 * beans of this type to change the cookie alone, without replacing a filter. Applied in
 * {@link org.springframework.core.annotation.Order order}, while the application context starts.
 */
@FunctionalInterface
public interface SidCookieCustomizer {

    /** @param cookie the cookie, with the properties already applied */
    void customize(SidCookie cookie);
}
