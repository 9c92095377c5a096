package dev.durablestash.benchmarks.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

import org.junit.jupiter.api.Test;

import dev.durablestash.benchmarks.ThreadTicks;
import dev.durablestash.benchmarks.engine.CallerRounds.Done;
import dev.durablestash.benchmarks.engine.CallerRounds.Round;

class CallerRoundsTests {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** Not a whole number of 10-ms clock ticks, so that a count in ticks would fall short. */
    private static final long CPU_PER_CALLER = TimeUnit.MILLISECONDS.toNanos(305);
    /** At most what a caller's thread used before its part of the round began (starting, waiting to start). */
    private static final long BEFORE_THE_ROUND = TimeUnit.MILLISECONDS.toNanos(3);

    /**
     * Each caller computes until its own CPU clock passes 305 ms, however busy the machine, so the round's
     * callers used at least 610 ms of CPU, less what their threads used before the round began. Read from
     * their clock ticks after they had ended (as the S3 benchmark once did), the callers' CPU was missing;
     * counted in ticks of 10 ms, it would fall short.
     */
    @Test
    void countsTheCallersCpuTime() throws InterruptedException {
        assumeTrue(THREADS.isCurrentThreadCpuTimeSupported(), "the JVM measures threads' CPU time");
        Round round = CallerRounds.run(2, Long.MAX_VALUE, thread -> computeUntilCpu(CPU_PER_CALLER));
        assertThat(round.cpuNanosByName.getOrDefault(CallerRounds.CALLERS, 0L))
                .isBetween(2 * CPU_PER_CALLER - BEFORE_THE_ROUND, 2 * CPU_PER_CALLER + TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(round.cpuNanosByGroup.getOrDefault("other", 0L))
                .isGreaterThanOrEqualTo(round.cpuNanosByName.get(CallerRounds.CALLERS));
        assertThat(round.operations).isPositive();
    }

    @Test
    void addingRoundsSumsTheirCpuTime() throws InterruptedException {
        assumeTrue(THREADS.isCurrentThreadCpuTimeSupported(), "the JVM measures threads' CPU time");
        Round first = CallerRounds.run(1, Long.MAX_VALUE, thread -> computeUntilCpu(CPU_PER_CALLER / 3));
        Round second = CallerRounds.run(1, Long.MAX_VALUE, thread -> computeUntilCpu(CPU_PER_CALLER / 3));
        Round both = new Round();
        both.add(first);
        both.add(second);
        assertThat(both.cpuNanosByName.getOrDefault(CallerRounds.CALLERS, 0L))
                .isEqualTo(first.cpuNanosByName.getOrDefault(CallerRounds.CALLERS, -1L)
                        + second.cpuNanosByName.getOrDefault(CallerRounds.CALLERS, -1L))
                .isGreaterThanOrEqualTo(2 * (CPU_PER_CALLER / 3 - BEFORE_THE_ROUND));
        assertThat(both.cpuNanosByGroup.getOrDefault("other", 0L))
                .isEqualTo(first.cpuNanosByGroup.getOrDefault("other", -1L)
                        + second.cpuNanosByGroup.getOrDefault("other", -1L));
        assertThat(both.operations).isEqualTo(first.operations + second.operations);
        assertThat(both.seconds).isEqualTo(first.seconds + second.seconds);
    }

    @Test
    void aRoundWithoutATimeLimitEndsWhenEachThreadIsDone() {
        for (long millis : new long[] {Long.MAX_VALUE, 10_000_000_000_000L}) { // the second overflowed once
            AtomicInteger calls = new AtomicInteger();
            Round round = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> CallerRounds.run(3, millis,
                    thread -> {
                        if (calls.incrementAndGet() > 30) {
                            throw new Done();
                        }
                    }));
            assertThat(round.operations).isEqualTo(30);
        }
    }

    @Test
    void aFailureEndsTheRoundAndIsThrown() {
        assertEndsTheRound(new IllegalStateException("refused"), 3, 1);
    }

    @Test
    void anErrorEndsTheRoundAndIsThrown() {
        assertEndsTheRound(new AssertionError("an error, not an exception"), 2, 0);
    }

    /** Thread {@code failing} of a 60-s round throws {@code failure} (unchecked), the others sleep 1 ms a call. */
    private static void assertEndsTheRound(Throwable failure, int threads, int failing) {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThatThrownBy(() -> CallerRounds.run(threads, 60_000,
                thread -> {
                    if (thread == failing) {
                        throwUnchecked(failure);
                    }
                    sleep(1);
                })).isSameAs(failure));
    }

    private static void throwUnchecked(Throwable failure) {
        if (failure instanceof Error error) {
            throw error;
        }
        throw (RuntimeException) failure;
    }

    @Test
    void interruptingTheRoundStopsItsCallers() throws InterruptedException {
        interruptARound(CallerRoundsTests::sleep);
    }

    @Test
    void interruptingTheRoundStopsCallersThatSwallowTheInterrupt() throws InterruptedException {
        interruptARound(millis -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                // swallowed: the thread's interrupt flag is cleared
            }
        });
    }

    /** The callers of a round leave /proc a moment after they end: those still there are left out by name. */
    @Test
    void excludingNamesLeavesOutTheCallersThreads() throws InterruptedException {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "the threads' clock ticks are read from Linux's /proc");
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread caller = new Thread(() -> {
            running.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bench-caller-123"); // Linux keeps "bench-caller-12"
        caller.start();
        try {
            running.await();
            ThreadTicks sample = ThreadTicks.sampleThisProcess();
            assertThat(ThreadTicks.byName(sample, sample).keySet()).contains(CallerRounds.CALLERS);
            ThreadTicks without = sample.excludingNames("bench-caller-");
            assertThat(ThreadTicks.byName(sample, without).keySet()).isNotEmpty()
                    .noneMatch(name -> name.startsWith("bench-caller"));
        } finally {
            done.countDown();
            caller.join();
        }
    }

    private static void interruptARound(LongConsumer sleep) throws InterruptedException {
        Set<Thread> callers = ConcurrentHashMap.newKeySet();
        CountDownLatch calling = new CountDownLatch(2);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread runner = new Thread(() -> {
            try {
                CallerRounds.run(2, Long.MAX_VALUE, thread -> {
                    if (callers.add(Thread.currentThread())) {
                        calling.countDown();
                    }
                    sleep.accept(10);
                });
                outcome.set(new AssertionError("the round returned"));
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        runner.start();
        assertThat(calling.await(10, TimeUnit.SECONDS)).isTrue();
        runner.interrupt();
        runner.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(runner.isAlive()).isFalse();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        for (Thread caller : callers) {
            caller.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(caller.isAlive()).as(caller.getName()).isFalse();
        }
    }

    private static void computeUntilCpu(long nanos) {
        long now = THREADS.getCurrentThreadCpuTime();
        if (now >= nanos) {
            throw new Done();
        }
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
