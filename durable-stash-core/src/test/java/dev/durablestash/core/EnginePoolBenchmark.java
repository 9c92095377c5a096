package dev.durablestash.core;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

/**
 * Not a test: a measurement that prints stashes per second through {@link StashAdapter} on the
 * {@link MapStorageBackend}, for engine pools of 1, 2, 4 and 8 threads: {@value #CALLERS}
 * blocking callers (like Spring MVC request threads, which join each stash) each write a new count
 * and a text to a random one of {@value #SESSIONS} sessions, again and again. It asserts nothing and
 * is not part of the default test run (its name does not end in {@code Tests}); run it with
 *
 * <pre>
 * ./mvnw -B -pl durable-stash-core verify -Dtest=EnginePoolBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * Four scenarios: no storage latency (the store answers at once, on the calling thread, so the
 * figure is the engine's own CPU cost per stash), the same with 16 KB values (every write then
 * serialises a larger document on the engine's pool), small values while one more caller keeps
 * writing 512 KB values to a session of its own (long tasks on the pool: do they hold up the other
 * sessions?), and 2 ms per storage call (answers arrive on the backend's timer thread, like a fast
 * object store's). Each configuration runs {@value #ROUNDS}
 * times, the pool sizes in a rotating order, after a warm-up; the median and the range of the
 * throughput are printed, with the latency percentiles (call to acknowledgement) of the median round.
 * The figures depend on the machine and on what else runs on it: compare pool sizes within one run.
 */
class EnginePoolBenchmark {

    static final int[] POOL_SIZES = { 1, 2, 4, 8 };

    /**
     * What is measured: the store's latency per call, the size of the text each stash writes, and
     * (when not 0) the size of the text one extra caller keeps writing to one session of its own: a
     * heavy session, whose large document the engine serialises again and again.
     */
    record Scenario(String name, Duration latency, int textBytes, int heavyTextBytes) {
    }

    static final Scenario[] SCENARIOS = {
        new Scenario("no storage latency, small values", Duration.ZERO, 10, 0),
        new Scenario("no storage latency, 16 KB values", Duration.ZERO, 16 * 1024, 0),
        new Scenario("no storage latency, small values, plus one session writing 512 KB values", Duration.ZERO, 10,
                512 * 1024),
        new Scenario("2 ms storage latency, small values", Duration.ofMillis(2), 10, 0),
    };
    static final int SESSIONS = 10_000;
    static final int CALLERS = 32;
    static final int ROUNDS = 3;
    static final Duration WARM_UP = Duration.ofSeconds(2);
    static final Duration MEASURED = Duration.ofSeconds(3);

    static final ViewDefinition VIEW = ViewDefinition.builder("counter")
            .key("count", long.class)
            .key("text", String.class)
            .build();

    @Test
    void stashesPerSecondByEnginePoolSize() throws Exception {
        String[] sids = new String[SESSIONS];
        Arrays.setAll(sids, (i) -> SessionIds.newSid());
        System.out.printf("%nEngine pool benchmark: %d sessions, %d blocking callers, %d cores, %d rounds of %d s, "
                + "load average %.1f at the start%n", SESSIONS, CALLERS, Runtime.getRuntime().availableProcessors(),
                ROUNDS, MEASURED.toSeconds(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        for (Scenario scenario : SCENARIOS) {
            Result[][] results = new Result[POOL_SIZES.length][ROUNDS];
            for (int round = 0; round < ROUNDS; round++) {
                for (int i = 0; i < POOL_SIZES.length; i++) {
                    int index = (i + round) % POOL_SIZES.length;
                    results[index][round] = run(POOL_SIZES[index], scenario, sids);
                }
            }
            System.out.printf("%s:%n", scenario.name());
            for (int i = 0; i < POOL_SIZES.length; i++) {
                Result[] rounds = results[i].clone();
                Arrays.sort(rounds, (a, b) -> Long.compare(a.perSecond(), b.perSecond()));
                Result median = rounds[rounds.length / 2];
                System.out.printf("  pool %d: %,7d stashes/s (median; range %,d to %,d), that round's latency "
                        + "p50 %.2f ms, p99 %.2f ms%n", POOL_SIZES[i], median.perSecond(), rounds[0].perSecond(),
                        rounds[rounds.length - 1].perSecond(), median.p50Millis(), median.p99Millis());
            }
            System.out.printf("  (load average %.1f)%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    /** One configuration's figures: acknowledged stashes per second, and call-to-acknowledgement latency. */
    record Result(long perSecond, double p50Millis, double p99Millis) {
    }

    /** @return the figures of the measured window */
    private static Result run(int poolSize, Scenario scenario, String[] sids) throws Exception {
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(poolSize, (runnable) -> {
            Thread thread = new Thread(runnable, "engine-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        MapStorageBackend backend = new MapStorageBackend();
        backend.setLatency(scenario.latency());
        LongAdder acknowledged = new LongAdder();
        LongAdder failed = new LongAdder();
        long measuredNanos;
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().executor(pool)
                .maxLiveActors(SESSIONS + 1).maxValueBytes(1024 * 1024).maxDocumentBytes(2 * 1024 * 1024).build())) {
            List<Caller> callers = new ArrayList<>();
            for (int c = 0; c < CALLERS; c++) {
                callers.add(new Caller(adapter, sids, "x".repeat(scenario.textBytes()), acknowledged, failed));
            }
            if (scenario.heavyTextBytes() > 0) {
                callers.add(new Caller(adapter, new String[] { SessionIds.newSid() },
                        "y".repeat(scenario.heavyTextBytes()), new LongAdder(), failed));
            }
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < callers.size(); c++) {
                Thread thread = new Thread(callers.get(c), "caller-" + c);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
            Thread.sleep(WARM_UP.toMillis());
            acknowledged.reset();
            failed.reset();
            for (Caller caller : callers) {
                caller.measuring = true;
            }
            long start = System.nanoTime();
            Thread.sleep(MEASURED.toMillis());
            long count = acknowledged.sum();
            measuredNanos = System.nanoTime() - start;
            for (Caller caller : callers) {
                caller.measuring = false;
                caller.running = false;
            }
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }
            if (failed.sum() > 0) {
                System.out.printf("  (pool %d: %d stashes failed)%n", poolSize, failed.sum());
            }
            // The heavy caller, if any, is the last: the figures are those of the others.
            long[] latencies = callers.subList(0, CALLERS).stream().flatMapToLong(Caller::latencies).sorted().toArray();
            return new Result(count * 1_000_000_000L / measuredNanos, percentile(latencies, 0.50),
                    percentile(latencies, 0.99));
        } finally {
            pool.shutdown();
        }
    }

    private static double percentile(long[] sortedNanos, double fraction) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int index = Math.min(sortedNanos.length - 1, (int) Math.ceil(fraction * sortedNanos.length) - 1);
        return sortedNanos[Math.max(0, index)] / 1_000_000.0;
    }

    /** A request thread: stashes to a random session and waits for the acknowledgement, again and again. */
    private static final class Caller implements Runnable {

        private final StashAdapter adapter;
        private final String[] sids;
        private final String text;
        private final LongAdder acknowledged;
        private final LongAdder failed;
        volatile boolean running = true;
        volatile boolean measuring;
        private long[] latencies = new long[16_384];
        private int recorded;

        Caller(StashAdapter adapter, String[] sids, String text, LongAdder acknowledged, LongAdder failed) {
            this.adapter = adapter;
            this.sids = sids;
            this.text = text;
            this.acknowledged = acknowledged;
            this.failed = failed;
        }

        @Override
        public void run() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            long n = 0;
            while (running) {
                String sid = sids[random.nextInt(sids.length)];
                boolean measured = measuring;
                long called = System.nanoTime();
                try {
                    adapter.stash(sid, VIEW, Map.of("count", n++, "text", text + (n % 100)))
                            .toCompletableFuture().join();
                    acknowledged.increment();
                } catch (RuntimeException e) {
                    failed.increment();
                }
                if (measured) {
                    record(System.nanoTime() - called);
                }
            }
        }

        private void record(long nanos) {
            if (recorded == latencies.length) {
                latencies = Arrays.copyOf(latencies, recorded * 2);
            }
            latencies[recorded++] = nanos;
        }

        /** @return the latencies recorded in the measured window; call after this caller's thread ended */
        LongStream latencies() {
            return Arrays.stream(latencies, 0, recorded);
        }
    }
}
