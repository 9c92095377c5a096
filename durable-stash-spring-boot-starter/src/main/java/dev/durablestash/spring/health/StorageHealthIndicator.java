package dev.durablestash.spring.health;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The storage's health for Spring MVC and non-web applications: the calling thread waits for the check,
 * at most the configured timeout. Thread-safe.
 */
final class StorageHealthIndicator implements HealthIndicator {

    private final StorageHealth storageHealth;

    StorageHealthIndicator(StorageHealth storageHealth) {
        this.storageHealth = storageHealth;
    }

    @Override
    public Health health() {
        return storageHealth.checkAndWait();
    }
}
