package dev.durablestash.spring.health;

import reactor.core.publisher.Mono;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;

/**
 * The storage's health for WebFlux applications: no thread waits; each subscription runs one check, which
 * answers by the configured timeout at the latest (timed on Reactor's parallel scheduler). Thread-safe.
 */
final class StorageReactiveHealthIndicator implements ReactiveHealthIndicator {

    private final StorageHealth storageHealth;

    StorageReactiveHealthIndicator(StorageHealth storageHealth) {
        this.storageHealth = storageHealth;
    }

    @Override
    public Mono<Health> health() {
        return Mono.fromFuture(storageHealth::check).timeout(storageHealth.timeout(),
                Mono.fromSupplier(storageHealth::timedOut));
    }
}
