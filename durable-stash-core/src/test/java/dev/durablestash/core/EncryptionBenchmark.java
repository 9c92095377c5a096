package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;

/**
 * Not a test: a measurement of what at-rest encryption costs. Prints stashes and recovers per second
 * through {@link StashAdapter} on the {@link MapStorageBackend} (no storage latency, so the
 * figures are the engine's own CPU cost), with encryption off and on, for a small document (two
 * short values) and a 16 KB one. {@value #CALLERS} blocking callers work on random ones of
 * {@value #SESSIONS} sessions. Recovers run with at most {@value #LIVE_ACTORS} live actors, so almost
 * every recover reads (and decrypts) the whole document from storage instead of answering from an
 * actor's cache. Each configuration runs {@value #ROUNDS} times, alternating, after a warm-up; the
 * median is printed with the range, and the process's CPU time per operation (median), which
 * depends less than the throughput on what else runs on the machine. It asserts nothing and is not part of the default test run (its
 * name does not end in {@code Tests}); run it with
 *
 * <pre>
 * ./mvnw -B -pl durable-stash-core verify -Dtest=EncryptionBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class EncryptionBenchmark {

    static final int SESSIONS = 2_000;
    static final int CALLERS = 4;
    static final int LIVE_ACTORS = 64;
    static final int ROUNDS = 5;
    static final Duration WARM_UP = Duration.ofSeconds(1);
    static final Duration MEASURED = Duration.ofSeconds(2);

    static final ViewDefinition VIEW = ViewDefinition.builder("counter")
            .key("count", long.class)
            .key("text", String.class)
            .build();

    enum Operation { STASH, RECOVER }

    /** One round's figures: operations per second, and process CPU microseconds per operation. */
    record Result(long perSecond, double cpuMicros) {
    }

    @Test
    void throughputWithAndWithoutEncryption() throws Exception {
        String[] sids = new String[SESSIONS];
        Arrays.setAll(sids, i -> SessionIds.newSid());
        System.out.printf("%nEncryption benchmark: %d sessions, %d blocking callers, %d cores, %d rounds of %d s%n",
                SESSIONS, CALLERS, Runtime.getRuntime().availableProcessors(), ROUNDS, MEASURED.toSeconds());
        for (int textBytes : new int[] {10, 16 * 1024}) {
            for (Operation operation : Operation.values()) {
                Result[][] results = new Result[2][ROUNDS];
                for (int round = 0; round < ROUNDS; round++) {
                    for (int mode = 0; mode < 2; mode++) {
                        int m = (mode + round) % 2;
                        results[m][round] = run(m == 1, operation, textBytes, sids);
                    }
                }
                long[] plain = Arrays.stream(results[0]).mapToLong(Result::perSecond).toArray();
                long[] encrypted = Arrays.stream(results[1]).mapToLong(Result::perSecond).toArray();
                double plainCpu = medianCpu(results[0]);
                double encryptedCpu = medianCpu(results[1]);
                System.out.printf("  %-7s %6s values: plain %,7d/s (%,d to %,d), %.1f us CPU/op; encrypted %,7d/s "
                        + "(%,d to %,d), %.1f us CPU/op; throughput %+.0f%%, CPU/op %+.0f%%%n",
                        operation.name().toLowerCase(java.util.Locale.ROOT),
                        textBytes >= 1024 ? textBytes / 1024 + " KB" : textBytes + " B",
                        median(plain), min(plain), max(plain), plainCpu, median(encrypted), min(encrypted), max(encrypted),
                        encryptedCpu, 100.0 * (median(encrypted) - median(plain)) / median(plain),
                        100.0 * (encryptedCpu - plainCpu) / plainCpu);
            }
        }
    }

    private static double medianCpu(Result[] results) {
        double[] cpu = Arrays.stream(results).mapToDouble(Result::cpuMicros).sorted().toArray();
        return cpu[cpu.length / 2];
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static Result run(boolean encrypt, Operation operation, int textBytes, String[] sids) throws Exception {
        MapStorageBackend backend = new MapStorageBackend();
        StashSettings settings = Engines.settings().encryptAtRest(encrypt).maxLiveActors(LIVE_ACTORS).build();
        String text = "x".repeat(textBytes);
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        try (StashAdapter adapter = new StashAdapter(backend, settings)) {
            if (operation == Operation.RECOVER) {
                for (String sid : sids) {
                    await(adapter.stash(sid, VIEW, Map.of("count", 1L, "text", text)));
                }
            }
            LongAdder done = new LongAdder();
            long[] cpuAtWarmEnd = new long[1];
            long warmEnd = System.nanoTime() + WARM_UP.toNanos();
            long end = warmEnd + MEASURED.toNanos();
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CALLERS; c++) {
                running.add(callers.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    long count = 0;
                    while (true) {
                        long now = System.nanoTime();
                        if (now >= end) {
                            return null;
                        }
                        String sid = sids[random.nextInt(sids.length)];
                        if (operation == Operation.STASH) {
                            await(adapter.stash(sid, VIEW, Map.of("count", ++count, "text", text)));
                        } else {
                            await(adapter.recover(sid, VIEW, MountKind.FRESH));
                        }
                        if (now >= warmEnd) {
                            if (done.sum() == 0) {
                                synchronized (cpuAtWarmEnd) {
                                    if (cpuAtWarmEnd[0] == 0) {
                                        cpuAtWarmEnd[0] = processCpuNanos();
                                    }
                                }
                            }
                            done.increment();
                        }
                    }
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
            long cpu = processCpuNanos() - cpuAtWarmEnd[0];
            long ops = Math.max(1, done.sum());
            return new Result(done.sum() * 1000 / MEASURED.toMillis(), cpu / 1000.0 / ops);
        } finally {
            callers.shutdownNow();
        }
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static long min(long[] values) {
        return Arrays.stream(values).min().orElse(0);
    }

    private static long max(long[] values) {
        return Arrays.stream(values).max().orElse(0);
    }
}
