package dev.durablestash.benchmarks.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.durablestash.benchmarks.engine.CallerRounds.Done;
import dev.durablestash.benchmarks.engine.CallerRounds.Round;

class CallerRoundsTests {

    private static final String CALLERS = "bench-caller-N";

    /**
     * The callers' CPU time is read while they are alive: read after they had ended (as the S3 benchmark
     * once did), a round of callers that only computed showed none of it.
     */
    @Test
    void countsTheCallersCpuTime() throws InterruptedException {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "the threads' clock ticks are read from Linux's /proc");
        Round round = CallerRounds.run(2, 600, thread -> spin(Duration.ofMillis(5)));
        // Two threads computing for 0.6 s have up to 120 ticks of 10 ms; even on one busy core, far more than 20.
        assertThat(round.ticksByName.getOrDefault(CALLERS, 0L)).isGreaterThanOrEqualTo(20);
        assertThat(round.ticksByGroup.getOrDefault("other", 0L))
                .isGreaterThanOrEqualTo(round.ticksByName.get(CALLERS));
        assertThat(round.operations).isPositive();
    }

    @Test
    void addingRoundsSumsTheirTicks() throws InterruptedException {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "the threads' clock ticks are read from Linux's /proc");
        Round first = CallerRounds.run(1, 300, thread -> spin(Duration.ofMillis(5)));
        Round second = CallerRounds.run(1, 300, thread -> spin(Duration.ofMillis(5)));
        Round both = new Round();
        both.add(first);
        both.add(second);
        assertThat(both.ticksByName.get(CALLERS))
                .isEqualTo(first.ticksByName.get(CALLERS) + second.ticksByName.get(CALLERS));
        assertThat(both.ticksByGroup.get("other"))
                .isEqualTo(first.ticksByGroup.get("other") + second.ticksByGroup.get("other"));
        assertThat(both.operations).isEqualTo(first.operations + second.operations);
    }

    @Test
    void aThreadThatIsDoneWaitsForTheOthersWithoutHoldingThemUp() {
        AtomicInteger calls = new AtomicInteger();
        Round round = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> CallerRounds.run(3, Long.MAX_VALUE,
                thread -> {
                    if (calls.incrementAndGet() > 30) {
                        throw new Done();
                    }
                }));
        assertThat(round.operations).isEqualTo(30);
    }

    @Test
    void aFailureEndsTheRoundAndIsThrown() {
        IllegalStateException failure = new IllegalStateException("refused");
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThatThrownBy(() -> CallerRounds.run(3, 60_000,
                thread -> {
                    if (thread == 1) {
                        throw failure;
                    }
                    throw new Done();
                })).isSameAs(failure));
    }

    @Test
    void anErrorInOneThreadDoesNotHangTheRound() {
        Round round = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> CallerRounds.run(2, Long.MAX_VALUE,
                thread -> {
                    if (thread == 0) {
                        throw new AssertionError("an error, not an exception");
                    }
                    throw new Done();
                }));
        assertThat(round.operations).isZero();
    }

    private static void spin(Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }
}
