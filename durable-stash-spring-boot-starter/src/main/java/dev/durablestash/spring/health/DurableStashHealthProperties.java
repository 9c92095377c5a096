package dev.durablestash.spring.health;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;

/**
 * Properties of the storage health indicator, under {@code management.health.durable-stash.*} beside
 * Spring Boot's own health indicators' properties.
 *
 * <p>Mutable JavaBean bound by Spring Boot; not thread-safe while binding, read-only afterwards.
 */
@ConfigurationProperties("management.health.durable-stash")
public class DurableStashHealthProperties {

    /** Whether to check the storage's health (read by the auto-configuration's condition). */
    private boolean enabled = true;

    /**
     * How long a health check waits for the storage (a bare number means seconds). A store that has
     * not answered by then is reported DOWN.
     */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration timeout = Duration.ofSeconds(2);

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }
}
