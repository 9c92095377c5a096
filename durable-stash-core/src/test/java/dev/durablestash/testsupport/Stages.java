package dev.durablestash.testsupport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import org.jspecify.annotations.Nullable;

/** Waiting for stages in tests, shared by every module's tests (through core's test jar). */
public final class Stages {

    /** How long a test waits for one stage before it fails. */
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Stages() {
    }

    /**
     * Polls {@code reached} (every millisecond) until it holds, for a condition no stage signals (a thread
     * parked, a call received).
     *
     * @param what what is waited for, for the failure's message
     * @throws AssertionError if it did not hold within 10 s
     */
    public static void awaitUntil(String what, BooleanSupplier reached) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!reached.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(1);
        }
    }

    /**
     * @return the stage's result
     * @throws Exception what the stage failed with (unwrapped from {@link ExecutionException})
     * @throws AssertionError if it did not complete within {@link #TIMEOUT}
     */
    public static <T> T await(CompletionStage<T> stage) throws Exception {
        return await(stage, TIMEOUT);
    }

    /**
     * @return the stage's result
     * @throws Exception what the stage failed with (unwrapped from {@link ExecutionException})
     * @throws AssertionError if it did not complete within {@code timeout}
     */
    public static <T> T await(CompletionStage<T> stage, Duration timeout) throws Exception {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        } catch (TimeoutException e) {
            throw new AssertionError("stage did not complete within " + timeout, e);
        }
    }

    /**
     * @return what the stage failed with, or {@code null} if it completed normally
     * @throws AssertionError if it did not complete within {@link #TIMEOUT}
     */
    public static @Nullable Throwable failureOf(CompletionStage<?> stage) {
        return failureOf(stage, TIMEOUT);
    }

    /**
     * @return what the stage failed with, or {@code null} if it completed normally
     * @throws AssertionError if it did not complete within {@code timeout}
     */
    public static @Nullable Throwable failureOf(CompletionStage<?> stage, Duration timeout) {
        try {
            stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (TimeoutException e) {
            throw new AssertionError("stage did not complete within " + timeout, e);
        }
    }

    /**
     * @return what the stage failed with
     * @throws AssertionError if it completed normally or not within {@link #TIMEOUT}
     */
    public static Throwable requireFailure(CompletionStage<?> stage) {
        Throwable failure = failureOf(stage);
        if (failure == null) {
            throw new AssertionError("the stage completed normally");
        }
        return failure;
    }

    /** @return the text's UTF-8 bytes */
    public static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
