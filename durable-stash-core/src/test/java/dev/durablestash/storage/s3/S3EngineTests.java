package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionStage;
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
 * The engine on S3 (the in-process S3 server): several app instances on one bucket lose nothing,
 * HTTP-level faults never turn into false acknowledgements, and the request counts the design
 * promises hold at the server.
 */
class S3EngineTests {

    private static final String SECRET = "s3-engine-tests-secret-0123456789abcdef";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int KEYS = 20;

    private final S3TestServer server = S3TestServer.shared();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private @Nullable String bucket;

    @AfterEach
    void cleanUp() throws Exception {
        if (bucket != null) {
            server.faults(bucket).reset();
        }
        server.cuttingProxy().cutFraction(0);
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
    void threeInstancesTimesEightWritersTimesFiveHundredStashesLeaveEachKeyAtItsLastAcknowledgedWrite()
            throws Exception {
        bucket = server.createBucket("three-instances");
        ViewDefinition view = view();
        String sid = SessionIds.newSid();
        List<StashAdapter> instances = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // A generous deadline: this test is about compare-and-swap between instances, and on a
            // machine loaded by other builds 24 writers at one session can wait past the default 10 s.
            instances.add(instance(S3TestServer.backendBuilder(bucket, server.endpoint()).build(),
                    settings().maxWriteAttempts(1_000).operationTimeout(Duration.ofMinutes(2))));
        }

        long started = System.nanoTime();
        // 24 writer threads, 8 per instance (round-robin), 500 stashes each.
        List<Write> writes = runWriters(instances, sid, view, 3 * 8, 500, (writer, i, random) -> "k" + random.nextInt(KEYS));
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

        long conflicts = 0;
        long puts = 0;
        for (StashAdapter instance : instances) {
            StashStatistics stats = instance.statistics();
            conflicts += stats.conflicts();
            puts += stats.puts();
        }
        long acknowledged = writes.stream().filter(Write::acknowledged).count();
        System.out.printf("S3, 3 instances x 8 writers x 500 stashes to one session: %d acknowledged, %d failed, "
                + "%d PUTs (%d reached the store), %d conflicts, %d ms%n", acknowledged, writes.size() - acknowledged,
                puts, server.faults(bucket).puts.sum(), conflicts, elapsedMillis);

        assertThat(acknowledged).as("acknowledged stashes; failures: %s", writes.stream()
                .filter(write -> !write.acknowledged()).map(write -> String.valueOf(write.failure())).distinct().toList())
                .isEqualTo(3 * 8 * 500);
        assertThat(conflicts).as("compare-and-swap conflicts between the instances").isPositive();
        assertEachKeyHoldsItsLastWrite(sid, view, writes);
    }

    @Test
    void withHttpFaultsEveryStashIsEitherAcknowledgedAndDurableOrFailed() throws Exception {
        bucket = server.createBucket("faults");
        BucketFaults faults = server.faults(bucket);
        ViewDefinition view = view();
        String sid = SessionIds.newSid();
        List<StashAdapter> instances = List.of(
                instance(S3TestServer.backendBuilder(bucket, server.cuttingProxy().endpoint()).build(), settings()),
                instance(S3TestServer.backendBuilder(bucket, server.cuttingProxy().endpoint()).build(), settings()));
        // The backend sends a PUT again (twice at most) once it knows it was not applied, so it takes a
        // high rate of errors-before-applying for some stashes to fail outright.
        faults.failBefore(0.3).failAfterWrite(0.05);
        server.cuttingProxy().cutFraction(0.05);
        long cutsBefore = server.cuttingProxy().cuts();

        // Each key has one sequential writer (writer w owns keys k(5w)..k(5w+4)), so "later" is well defined.
        List<Write> writes = runWriters(instances, sid, view, 4, 150, (writer, i, random) -> "k" + (writer * 5 + i % 5));

        faults.failBefore(0).failAfterWrite(0);
        server.cuttingProxy().cutFraction(0);
        long acknowledged = writes.stream().filter(Write::acknowledged).count();
        System.out.printf("S3 with HTTP faults: %d stashes, %d acknowledged, %d failed; injected %d errors before, "
                + "%d after applying, %d responses cut%n", writes.size(), acknowledged, writes.size() - acknowledged,
                faults.injectedBefore.sum(), faults.injectedAfter.sum(), server.cuttingProxy().cuts() - cutsBefore);
        assertThat(acknowledged).as("acknowledged stashes").isPositive();
        assertThat(writes.size() - acknowledged).as("failed stashes").isPositive();
        assertThat(faults.injectedAfter.sum()).as("writes applied but answered 500").isPositive();

        Map<String, Long> stored = readAll(sid, view);
        Map<String, Long> lastAcknowledged = new HashMap<>();
        Map<String, Set<Long>> attempted = new HashMap<>();
        for (Write w : writes) {
            attempted.computeIfAbsent(w.key(), k -> new HashSet<>()).add(w.value());
            if (w.acknowledged()) {
                lastAcknowledged.merge(w.key(), w.value(), Math::max);
            }
        }
        assertThat(stored.keySet()).containsAll(lastAcknowledged.keySet());
        for (Map.Entry<String, Long> e : stored.entrySet()) {
            // Acknowledged means durable: the key holds its last acknowledged value or a later one that
            // failed but was applied (a lost response), never an older one and never one nobody stashed.
            assertThat(e.getValue()).as("key %s", e.getKey())
                    .isGreaterThanOrEqualTo(lastAcknowledged.getOrDefault(e.getKey(), Long.MIN_VALUE));
            assertThat(attempted.get(e.getKey())).as("values stashed to key %s", e.getKey()).contains(e.getValue());
        }
    }

    @Test
    void anUncontendedStashCostsOnePutAndARecoverOnAWarmActorAtMostOneConditionalGet() throws Exception {
        bucket = server.createBucket("accounting");
        BucketFaults counted = server.faults(bucket);
        ViewDefinition view = view();
        String sid = SessionIds.newSid();
        StashAdapter adapter = instance(S3TestServer.backendBuilder(bucket, server.endpoint()).build(), settings());

        await(adapter.recover(sid, view, MountKind.FRESH));
        await(adapter.stash(sid, view, Map.of("k0", 0L)));
        long putsBefore = counted.puts.sum();
        long getsBefore = counted.gets.sum();
        int stashes = 20;
        for (int i = 1; i <= stashes; i++) {
            await(adapter.stash(sid, view, Map.of("k" + (i % KEYS), (long) i)));
        }
        long puts = counted.puts.sum() - putsBefore;
        long gets = counted.gets.sum() - getsBefore;
        System.out.printf("S3 request accounting: %d stashes on a warm actor cost %d PUTs and %d GETs at the server "
                + "(%.2f PUTs per stash)%n", stashes, puts, gets, (double) puts / stashes);
        assertThat(puts).as("PUTs at the server for %d uncontended stashes", stashes).isEqualTo(stashes);
        assertThat(gets).as("GETs at the server for stashes on a warm actor").isZero();

        StashStatistics before = adapter.statistics();
        long serverGetsBefore = counted.gets.sum();
        long serverPutsBefore = counted.puts.sum();
        int recovers = 10;
        for (int i = 0; i < recovers; i++) {
            Recovery recovery = await(adapter.recover(sid, view, MountKind.REJOIN));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.RECOVERED);
        }
        StashStatistics after = adapter.statistics();
        long serverGets = counted.gets.sum() - serverGetsBefore;
        System.out.printf("S3 request accounting: %d recovers on a warm actor cost %d GETs at the server, %d answered "
                + "304 (client count)%n", recovers, serverGets, after.notModified() - before.notModified());
        assertThat(serverGets).as("GETs at the server for %d recovers on a warm actor", recovers)
                .isLessThanOrEqualTo(recovers);
        assertThat(after.gets() - before.gets()).isEqualTo(serverGets);
        assertThat(after.notModified() - before.notModified()).as("GETs answered 304").isEqualTo(serverGets);
        assertThat(counted.puts.sum() - serverPutsBefore).as("PUTs for recovers").isZero();
    }

    @ParameterizedTest
    @EnumSource(ConditionalDeletes.class)
    void anExpiredDocumentReadsAsAbsentAndIsDeletedFromTheBucket(ConditionalDeletes mode) throws Exception {
        bucket = server.createBucket("expiry");
        ViewDefinition view = view();
        String sid = SessionIds.newSid();
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        StashAdapter writer = instance(S3TestServer.backendBuilder(bucket, server.endpoint()).conditionalDeletes(mode)
                .build(), settings().clock(clock).ttl(Duration.ofHours(1)));
        await(writer.stash(sid, view, Map.of("k0", 1L)));
        assertThat(objectsInBucket()).isEqualTo(1);

        clock.advance(Duration.ofHours(2));
        StashAdapter reader = instance(S3TestServer.backendBuilder(bucket, server.endpoint()).conditionalDeletes(mode)
                .build(), settings().clock(clock).ttl(Duration.ofHours(1)));
        assertThat(await(reader.recover(sid, view, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
        assertThat(objectsInBucket()).as("objects left after the lazy delete (%s)", mode).isZero();

        await(reader.stash(sid, view, Map.of("k1", 2L)));
        Recovery recovery = await(reader.recover(sid, view, MountKind.FRESH));
        assertThat(recovery.values()).containsExactly(Map.entry("k1", 2L));
    }

    private int objectsInBucket() {
        return server.client().listObjectsV2(b -> b.bucket(bucket)).join().keyCount();
    }

    // ------------------------------------------------------------------------------------------------

    @FunctionalInterface
    interface KeyChoice {
        String key(int writer, int index, Random random);
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return Stages.await(stage, TIMEOUT);
    }

    private static @Nullable Throwable failureOf(CompletionStage<?> stage) {
        return Stages.failureOf(stage, TIMEOUT);
    }

    /**
     * Runs {@code writers} threads, spread round-robin over the instances, each doing {@code perWriter}
     * sequential stashes of one key with value {@code writer * 1,000,000 + i}; records each outcome.
     */
    private static List<Write> runWriters(List<StashAdapter> instances, String sid, ViewDefinition view, int writers,
            int perWriter, KeyChoice keys) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
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
    private Map<String, Long> readAll(String sid, ViewDefinition view) throws Exception {
        try (StashAdapter fresh = new StashAdapter(S3TestServer.backendBuilder(bucket, server.endpoint()).build(),
                settings().build())) {
            Recovery recovery = await(fresh.recover(sid, view, MountKind.FRESH));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.RECOVERED);
            Map<String, Long> values = new HashMap<>();
            recovery.values().forEach((k, v) -> values.put(k, ((Number) v).longValue()));
            return values;
        }
    }

    private StashAdapter instance(S3StorageBackend backend, StashSettings.Builder settings) {
        resources.add(backend);
        StashAdapter adapter = new StashAdapter(backend, settings.build());
        resources.add(adapter);
        return adapter;
    }

    private static StashSettings.Builder settings() {
        return StashSettings.builder().secret(SECRET);
    }

    private static ViewDefinition view() {
        ViewDefinition.Builder builder = ViewDefinition.builder("grid");
        for (int k = 0; k < KEYS; k++) {
            builder.key("k" + k, Long.class);
        }
        return builder.build();
    }

}
