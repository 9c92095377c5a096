package dev.durablestash.spring.health;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.boot.health.contributor.Health;

import dev.durablestash.storage.StorageBackend;

/**
 * One health check of the storage, shared by the blocking and the reactive indicator: the backend's
 * {@link StorageBackend#check(String) check} of a probe key, bounded by a timeout. The answer is always a
 * {@link Health}, never an exception: UP with the storage's description, or DOWN with it and the reason.
 * Every call asks the store again, so a store that comes back is UP at the next call. The timeout is waited
 * for by the blocking caller, or on Reactor's parallel scheduler for the reactive indicator, never on the JDK's
 * delay thread (which lives as long as the JVM, keeping the class loader of the thread that started it).
 *
 * <p>Thread-safe.
 */
final class StorageHealth {

    /** Under the engine's key prefix: no session key has this name (session keys are 43 base64url characters). */
    static final String PROBE_NAME = "health-check";

    /** Longest wait the JDK and Reactor take as a duration (in nanoseconds), about 292 years. */
    private static final Duration LONGEST_WAIT = Duration.ofNanos(Long.MAX_VALUE);

    private final StorageBackend backend;
    private final String probeKey;
    private final Duration timeout;
    /** The timeout, at most {@link #LONGEST_WAIT}: a longer one would overflow. */
    private final Duration wait;

    StorageHealth(StorageBackend backend, String keyPrefix, Duration timeout) {
        this.backend = backend;
        this.probeKey = keyPrefix + PROBE_NAME;
        this.timeout = timeout;
        this.wait = timeout.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : timeout;
    }

    /**
     * Checks and waits for the answer, at most the timeout.
     *
     * @return UP, or DOWN with the reason (also when the timeout ended or the caller was interrupted)
     */
    Health checkAndWait() {
        try {
            return check().get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return timedOut();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return down("interrupted while waiting for the storage");
        } catch (ExecutionException e) { // check() never completes exceptionally
            return down(reason(e.getCause()));
        }
    }

    /** @return how long a check may take (the configured timeout, at most about 292 years) */
    Duration timeout() {
        return wait;
    }

    /** @return DOWN: the storage gave no answer within the timeout */
    Health timedOut() {
        return down("no answer within " + format(timeout));
    }

    /**
     * @return a future that completes with UP or DOWN once the storage answered (the caller bounds the wait);
     *     it never completes exceptionally
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
        return result;
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
