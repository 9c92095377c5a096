package dev.durablestash.spring.health;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.health.contributor.Health;

import dev.durablestash.storage.StorageBackend;

/**
 * One health check of the storage, shared by the blocking and the reactive indicator: the backend's
 * {@link StorageBackend#check(String) check} of a probe key, bounded by a timeout. The answer is always a
 * {@link Health}, never an exception: UP with the storage's description, or DOWN with it and the reason.
 * Every call asks the store again, so a store that comes back is UP at the next call.
 *
 * <p>Thread-safe; a check never blocks the caller.
 */
final class StorageHealth {

    /** Under the engine's key prefix: no session key has this name (session keys are 43 base64url characters). */
    static final String PROBE_NAME = "health-check";

    private final StorageBackend backend;
    private final String probeKey;
    private final Duration timeout;

    StorageHealth(StorageBackend backend, String keyPrefix, Duration timeout) {
        this.backend = backend;
        this.probeKey = keyPrefix + PROBE_NAME;
        this.timeout = timeout;
    }

    /**
     * @return a future that completes, at the latest after the timeout, with UP or DOWN; it never completes
     *     exceptionally
     */
    CompletableFuture<Health> check() {
        CompletableFuture<Health> result = new CompletableFuture<>();
        CompletionStage<Void> check;
        try {
            check = backend.check(probeKey);
        } catch (RuntimeException e) {
            result.complete(down(e.toString()));
            return result;
        }
        check.whenComplete((ignored, failure) -> result.complete(failure == null ? up() : down(reason(failure))));
        return result.completeOnTimeout(down("no answer within " + format(timeout)), timeout.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private Health up() {
        return Health.up().withDetail("storage", backend.describe()).build();
    }

    private Health down(String reason) {
        return Health.down().withDetail("storage", backend.describe()).withDetail("error", reason).build();
    }

    private static String reason(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String message = cause.getMessage();
        return message != null && !message.isBlank() ? message : cause.toString();
    }

    private static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
    }
}
