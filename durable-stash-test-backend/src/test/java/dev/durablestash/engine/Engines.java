package dev.durablestash.engine;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.durablestash.core.StashSettings;

/** Shared set-up for the engine tests. */
final class Engines {

    static final String SECRET = "engine-tests-secret-0123456789abcdef";
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Engines() {
    }

    static StashSettings.Builder settings() {
        return StashSettings.builder().secret(SECRET);
    }

    /** Waits for a stage; rethrows its failure cause. */
    static <T> T await(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        } catch (TimeoutException e) {
            throw new AssertionError("stage did not complete within " + TIMEOUT, e);
        }
    }

    /** Waits for a stage; returns its failure cause, or {@code null} on success. */
    static Throwable failureOf(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (TimeoutException e) {
            throw new AssertionError("stage did not complete within " + TIMEOUT, e);
        }
    }
}
