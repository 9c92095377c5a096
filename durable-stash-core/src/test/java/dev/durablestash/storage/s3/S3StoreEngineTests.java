package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.Recovery;
import dev.durablestash.core.RecoveryStatus;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.core.StashStatistics;
import dev.durablestash.core.StashWriteException;
import dev.durablestash.core.ViewDefinition;
import dev.durablestash.testsupport.MutableClock;
import dev.durablestash.testsupport.Stages;

/**
 * The engine on an S3 store, the same for every store: several app instances on one bucket lose
 * nothing, and an expired document reads as absent and is deleted. Subclasses name the store
 * ({@link S3EngineTests} for the in-process server, {@link CephEngineTests} for Ceph RGW).
 */
abstract class S3StoreEngineTests {

    private static final String SECRET = "s3-engine-tests-secret-0123456789abcdef";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final int KEYS = 20;

    private final List<AutoCloseable> resources = new ArrayList<>();
    protected @Nullable String bucket;

    /** @return the store under test */
    protected abstract S3TestStore store();

    /** @return how many stashes each of the 24 writers of the three-instance test makes */
    protected int stashesPerWriter() {
        return 500;
    }

    @AfterEach
    void closeResources() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    /** One stash as a writer saw it: which value went to which key, when it was called and when it completed. */
    record Write(String key, long value, long calledAt, long completedAt, @Nullable Throwable failure) {
        boolean acknowledged() {
            return failure == null;
        }
    }

    @Test
    void threeInstancesTimesEightWritersLeaveEachKeyAtItsLastAcknowledgedWrite() throws Exception {
        S3TestStore store = store();
        bucket = store.createBucket("three-instances");
        int perWriter = stashesPerWriter();
        ViewDefinition view = view();
        String sid = SessionIds.newSid();
        List<StashAdapter> instances = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            instances.add(instance(store.backendBuilder(bucket).build(),
                    // The test is about losing nothing, not latency: a loaded machine may stall a store for seconds.
                    settings().maxWriteAttempts(1_000).operationTimeout(TIMEOUT)));
        }

        long started = System.nanoTime();
        // 24 writer threads, 8 per instance (round-robin), perWriter stashes each.
        List<Write> writes = runWriters(instances, sid, view, 3 * 8, perWriter,
                (writer, i, random) -> "k" + random.nextInt(KEYS));
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

        long conflicts = 0;
        long puts = 0;
        for (StashAdapter instance : instances) {
            StashStatistics stats = instance.statistics();
            conflicts += stats.conflicts();
            puts += stats.puts();
        }
        long acknowledged = writes.stream().filter(Write::acknowledged).count();
        System.out.printf("%s, 3 instances x 8 writers x %d stashes to one session: %d acknowledged, %d failed, "
                + "%d PUTs, %d conflicts, %d ms%n", getClass().getSimpleName(), perWriter, acknowledged,
                writes.size() - acknowledged, puts, conflicts, elapsedMillis);

        assertThat(acknowledged).as("acknowledged stashes; failures: %s", writes.stream()
                .filter(write -> !write.acknowledged()).map(write -> String.valueOf(write.failure())).distinct().toList())
                .isEqualTo(3 * 8 * perWriter);
        assertThat(conflicts).as("compare-and-swap conflicts between the instances").isPositive();
        assertEachKeyHoldsItsLastWrite(sid, view, writes);
    }

    @ParameterizedTest
    @EnumSource(ConditionalDeletes.class)
    void anExpiredDocumentReadsAsAbsentAndIsDeletedFromTheBucket(ConditionalDeletes mode) throws Exception {
        S3TestStore store = store();
        bucket = store.createBucket("expiry");
        ViewDefinition view = view();
        String sid = SessionIds.newSid();
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        StashAdapter writer = instance(store.backendBuilder(bucket).conditionalDeletes(mode)
                .build(), settings().clock(clock).ttl(Duration.ofHours(1)));
        await(writer.stash(sid, view, Map.of("k0", 1L)));
        assertThat(objectsInBucket()).isEqualTo(1);

        clock.advance(Duration.ofHours(2));
        StashAdapter reader = instance(store.backendBuilder(bucket).conditionalDeletes(mode)
                .build(), settings().clock(clock).ttl(Duration.ofHours(1)));
        assertThat(await(reader.recover(sid, view, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
        assertThat(objectsInBucket()).as("objects left after the lazy delete (%s)", mode).isZero();

        await(reader.stash(sid, view, Map.of("k1", 2L)));
        Recovery recovery = await(reader.recover(sid, view, MountKind.FRESH));
        assertThat(recovery.values()).containsExactly(Map.entry("k1", 2L));
    }

    private int objectsInBucket() {
        return store().client().listObjectsV2(b -> b.bucket(bucket)).join().keyCount();
    }

    // ------------------------------------------------------------------------------------------------

    @FunctionalInterface
    interface KeyChoice {
        String key(int writer, int index, Random random);
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return Stages.await(stage, TIMEOUT);
    }

    static @Nullable Throwable failureOf(CompletionStage<?> stage) {
        return Stages.failureOf(stage, TIMEOUT);
    }

    /**
     * Runs {@code writers} threads, spread round-robin over the instances, each doing {@code perWriter}
     * sequential stashes of one key with value {@code writer * 1,000,000 + i}; records each outcome.
     */
    static List<Write> runWriters(List<StashAdapter> instances, String sid, ViewDefinition view, int writers,
            int perWriter, KeyChoice keys) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        Set<String> failureMessages = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Write>>> futures = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            StashAdapter instance = instances.get(w % instances.size());
            futures.add(pool.submit(() -> {
                Random random = new Random(1_000 + writer);
                List<Write> mine = new ArrayList<>();
                start.await();
                for (int i = 0; i < perWriter; i++) {
                    String key = keys.key(writer, i, random);
                    long value = writer * 1_000_000L + i;
                    long calledAt = System.nanoTime();
                    Throwable failure = failureOf(instance.stash(sid, view, Map.of(key, value)));
                    if (failure != null) {
                        assertThat(failure).isInstanceOf(StashWriteException.class);
                        if (failureMessages.add(String.valueOf(failure.getMessage()))) {
                            System.out.println("stash failed: " + failure.getMessage()
                                    + (failure.getCause() != null ? " (" + failure.getCause() + ")" : ""));
                        }
                    }
                    mine.add(new Write(key, value, calledAt, System.nanoTime(), failure));
                }
                return mine;
            }));
        }
        start.countDown();
        List<Write> all = new ArrayList<>();
        try {
            for (Future<List<Write>> f : futures) {
                all.addAll(f.get(5, TimeUnit.MINUTES));
            }
        } finally {
            pool.shutdownNow();
        }
        return all;
    }

    /**
     * "Last" under concurrency: a write W is superseded when another write to the same key was
     * called after W completed, because that write was then applied by an actor that had W's result
     * (W is durable before it completes, and every write compare-and-swaps on the stored document).
     * Each key must hold an acknowledged write that nothing superseded; and nothing may have been
     * stored that no writer stashed.
     */
    private void assertEachKeyHoldsItsLastWrite(String sid, ViewDefinition view, List<Write> writes) throws Exception {
        Map<String, List<Write>> byKey = new HashMap<>();
        for (Write w : writes) {
            byKey.computeIfAbsent(w.key(), k -> new ArrayList<>()).add(w);
        }
        Map<String, Long> stored = readAll(sid, view);
        assertThat(stored.keySet()).isEqualTo(byKey.keySet());
        for (Map.Entry<String, List<Write>> entry : byKey.entrySet()) {
            long value = stored.get(entry.getKey());
            Write last = entry.getValue().stream().filter(w -> w.value() == value).findFirst()
                    .orElseThrow(() -> new AssertionError("key " + entry.getKey() + " holds " + value
                            + ", which nobody stashed"));
            assertThat(last.acknowledged()).as("key %s holds %s, a write that failed", entry.getKey(), value).isTrue();
            for (Write other : entry.getValue()) {
                assertThat(other.calledAt())
                        .as("key %s holds %s, but write %s was called after it completed", entry.getKey(), value,
                                other.value())
                        .isLessThanOrEqualTo(last.completedAt());
            }
        }
    }

    /** What storage really holds, read by a fresh instance. */
    Map<String, Long> readAll(String sid, ViewDefinition view) throws Exception {
        try (StashAdapter fresh = new StashAdapter(store().backendBuilder(bucket).build(),
                settings().build())) {
            Recovery recovery = await(fresh.recover(sid, view, MountKind.FRESH));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.RECOVERED);
            Map<String, Long> values = new HashMap<>();
            recovery.values().forEach((k, v) -> values.put(k, ((Number) v).longValue()));
            return values;
        }
    }

    StashAdapter instance(S3StorageBackend backend, StashSettings.Builder settings) {
        resources.add(backend);
        StashAdapter adapter = new StashAdapter(backend, settings.build());
        resources.add(adapter);
        return adapter;
    }

    static StashSettings.Builder settings() {
        return StashSettings.builder().secret(SECRET);
    }

    static ViewDefinition view() {
        ViewDefinition.Builder builder = ViewDefinition.builder("grid");
        for (int k = 0; k < KEYS; k++) {
            builder.key("k" + k, Long.class);
        }
        return builder.build();
    }

}
