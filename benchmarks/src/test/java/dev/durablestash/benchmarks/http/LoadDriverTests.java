package dev.durablestash.benchmarks.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** A simulated browser session's loop: a failed request is counted, and the session goes on. */
class LoadDriverTests {

    /** Long enough that a loaded machine still lets a loop send a few requests. */
    private static final long ROUND_NANOS = TimeUnit.MILLISECONDS.toNanos(300);

    @Test
    void anIoErrorIsCountedAndTheSessionGoesOn() throws InterruptedException {
        AtomicInteger sent = new AtomicInteger();
        AtomicLong ok = new AtomicLong();
        LoadDriver.Failures failures = new LoadDriver.Failures();

        LoadDriver.closedLoop(() -> {
            if (sent.incrementAndGet() == 1) {
                throw new IOException("connection reset");
            }
            return 200;
        }, System.nanoTime() + ROUND_NANOS, ok, failures);

        assertThat(failures.byKind()).isEqualTo(Map.of("java.io.IOException: connection reset", 1L));
        assertThat(ok.get()).isPositive().isEqualTo(sent.get() - 1L);
    }

    @Test
    void anErrorStatusIsCountedByStatusAndTheSessionGoesOn() throws InterruptedException {
        AtomicInteger sent = new AtomicInteger();
        AtomicLong ok = new AtomicLong();
        LoadDriver.Failures failures = new LoadDriver.Failures();

        LoadDriver.closedLoop(() -> sent.incrementAndGet() <= 2 ? 503 : 200, System.nanoTime() + ROUND_NANOS, ok,
                failures);

        assertThat(failures.byKind()).isEqualTo(Map.of("status 503", 2L));
        assertThat(ok.get()).isPositive().isEqualTo(sent.get() - 2L);
    }

    @Test
    void aSessionPausesAfterAnIoErrorInsteadOfSpinning() throws InterruptedException {
        AtomicInteger sent = new AtomicInteger();
        LoadDriver.Failures failures = new LoadDriver.Failures();

        LoadDriver.closedLoop(() -> {
            sent.incrementAndGet();
            throw new java.net.ConnectException("Connection refused");
        }, System.nanoTime() + ROUND_NANOS, new AtomicLong(), failures);

        long mostAttempts = TimeUnit.NANOSECONDS.toMillis(ROUND_NANOS) / LoadDriver.PAUSE_AFTER_IO_ERROR_MILLIS + 1;
        assertThat(sent.get()).isBetween(1, (int) mostAttempts);
        assertThat(failures.byKind()).isEqualTo(Map.of("java.net.ConnectException: Connection refused",
                (long) sent.get()));
    }

    @Test
    void aPauseEndsWithTheRound() {
        long now = 1_000_000_000L;
        long pause = TimeUnit.MILLISECONDS.toNanos(LoadDriver.PAUSE_AFTER_IO_ERROR_MILLIS);
        assertThat(LoadDriver.pauseNanos(now + TimeUnit.SECONDS.toNanos(1), now)).isEqualTo(pause);
        assertThat(LoadDriver.pauseNanos(now + 2_000_000, now)).isEqualTo(2_000_000);
        assertThat(LoadDriver.pauseNanos(now - 1, now)).isZero();
    }

    @Test
    void anInterruptInAPauseEndsTheLoop() {
        Thread.currentThread().interrupt();
        assertThatExceptionOfType(InterruptedException.class).isThrownBy(() -> LoadDriver.closedLoop(() -> {
            throw new IOException("reset");
        }, System.nanoTime() + TimeUnit.SECONDS.toNanos(10), new AtomicLong(), new LoadDriver.Failures()));
    }

    @Test
    void anInterruptEndsTheLoop() {
        assertThatExceptionOfType(InterruptedException.class).isThrownBy(() -> LoadDriver.closedLoop(() -> {
            throw new InterruptedException();
        }, System.nanoTime() + TimeUnit.SECONDS.toNanos(10), new AtomicLong(), new LoadDriver.Failures()));
    }

    @Test
    void roundsAddTheirFailuresByKind() {
        LoadDriver.Totals all = new LoadDriver.Totals();
        LoadDriver.Totals first = new LoadDriver.Totals();
        first.ok = 10;
        first.failures.put("status 503", 2L);
        LoadDriver.Totals second = new LoadDriver.Totals();
        second.ok = 5;
        second.failures.putAll(Map.of("status 503", 1L, "java.io.IOException: reset", 1L));

        all.add(first);
        all.add(second);

        assertThat(all.ok).isEqualTo(15);
        assertThat(all.failures).isEqualTo(Map.of("status 503", 3L, "java.io.IOException: reset", 1L));
        assertThat(all.describe()).startsWith("15 requests in ")
                .contains("(4 failed: java.io.IOException: reset × 1, status 503 × 3)");
    }

    @Test
    void failuresAreDescribedByKind() {
        assertThat(LoadDriver.Failures.describe(Map.of())).isEqualTo("0 failed");
        LoadDriver.Failures failures = new LoadDriver.Failures();
        failures.add("status 503");
        failures.add("java.io.IOException: reset");
        failures.add("status 503");
        assertThat(LoadDriver.Failures.describe(failures.byKind()))
                .isEqualTo("3 failed: java.io.IOException: reset × 1, status 503 × 2");
    }
}
