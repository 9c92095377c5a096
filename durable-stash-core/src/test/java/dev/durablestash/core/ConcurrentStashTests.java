package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.requireFailure;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import dev.durablestash.storage.StorageBackend;

/**
 * Many writers, one session: per-key last write wins, and every key's stored value is the last
 * acknowledged write for it.
 */
class ConcurrentStashTests {

    static final int THREADS = 8;
    static final int STASHES_PER_THREAD = 1_000;
    static final int KEYS = 50;

    static ViewDefinition view(int keys) {
        ViewDefinition.Builder builder = ViewDefinition.builder("grid");
        for (int k = 0; k < keys; k++) {
            builder.key("k" + k, Long.class);
        }
        return builder.build();
    }

    /** One acknowledged write: which value went to which key, when it was called and when acknowledged. */
    record Write(String key, long value, long calledAt, long ackedAt) {
    }

    @Test
    void eightThreadsOfRandomKeysLeaveEachKeyAtItsLastAcknowledgedWrite() throws Exception {
        MapStorageBackend backend = new MapStorageBackend(1);
        ViewDefinition view = view(KEYS);
        String sid = SessionIds.newSid();
        List<Write> acknowledged;
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            acknowledged = runWriters(adapter, sid, view, KEYS, THREADS, STASHES_PER_THREAD, 7);
            StashStatistics stats = adapter.statistics();
            System.out.printf("8 threads x 1,000 stashes into one session: %d PUTs for %d acknowledged stashes%n",
                    backend.count(MapStorageBackend.Operation.PUT), stats.acknowledged());
            assertThat(stats.acknowledged()).isEqualTo((long) THREADS * STASHES_PER_THREAD);
            // Group commit: concurrent stashes share PUTs.
            assertThat(backend.count(MapStorageBackend.Operation.PUT)).isLessThan(THREADS * STASHES_PER_THREAD);
        }
        assertEachKeyHoldsItsLastWrite(backend, sid, view, acknowledged);
    }

    /**
     * Contract rule 4: the retries after a lost compare-and-swap are bounded. Another writer changes the
     * document before each of this instance's conditional PUTs, so each fails its precondition: the stash
     * fails with a {@link StashConflictException} after {@code maxWriteAttempts} PUTs.
     */
    @Test
    void aStashThatLosesEveryCompareAndSwapFailsAfterMaxWriteAttemptsPuts() throws Exception {
        MapStorageBackend stored = new MapStorageBackend(1);
        AtomicBoolean rivalWritesFirst = new AtomicBoolean();
        StorageBackend contended = Engines.withPut(stored, (key, body, precondition) -> {
            if (rivalWritesFirst.get() && !precondition.requiresAbsent()) {
                stored.read(key).ifPresent(current -> stored.write(key, current)); // same bytes, a new ETag
            }
            return stored.put(key, body, precondition);
        });
        ViewDefinition view = view(1);
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(contended, Engines.settings().maxWriteAttempts(3)
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5)).build())) {
            await(adapter.stash(sid, view, Map.of("k0", 1L)));
            rivalWritesFirst.set(true);
            long putsBefore = stored.count(MapStorageBackend.Operation.PUT);

            Throwable failure = requireFailure(adapter.stash(sid, view, Map.of("k0", 2L)));
            assertThat(failure).isInstanceOf(StashConflictException.class);
            assertThat(stored.count(MapStorageBackend.Operation.PUT) - putsBefore).isEqualTo(3);
        }
    }

    static List<Write> runWriters(StashAdapter adapter, String sid, ViewDefinition view, int keys, int threads,
            int perThread, long seed) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Write>>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                Random random = new Random(seed * 31 + thread);
                List<Write> writes = new ArrayList<>();
                start.await();
                for (int i = 0; i < perThread; i++) {
                    String key = "k" + random.nextInt(keys);
                    long value = thread * 1_000_000L + i;
                    long calledAt = System.nanoTime();
                    await(adapter.stash(sid, view, Map.of(key, value)));
                    writes.add(new Write(key, value, calledAt, System.nanoTime()));
                }
                return writes;
            }));
        }
        start.countDown();
        List<Write> all = new ArrayList<>();
        try {
            for (Future<List<Write>> f : futures) {
                all.addAll(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        return all;
    }

    /**
     * The stored value of each key must be an acknowledged write that no other write provably
     * followed: a write called after the final value's acknowledgement was applied after it, so it
     * would have replaced it.
     */
    static void assertEachKeyHoldsItsLastWrite(MapStorageBackend backend, String sid, ViewDefinition view,
            List<Write> acknowledged) throws Exception {
        Map<String, List<Write>> byKey = new HashMap<>();
        for (Write w : acknowledged) {
            byKey.computeIfAbsent(w.key(), k -> new ArrayList<>()).add(w);
        }
        try (StashAdapter fresh = new StashAdapter(backend, Engines.settings().build())) {
            Recovery recovery = await(fresh.recover(sid, view, MountKind.FRESH));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.RECOVERED);
            assertThat(recovery.values().keySet()).isEqualTo(byKey.keySet());
            for (Map.Entry<String, List<Write>> entry : byKey.entrySet()) {
                Long stored = recovery.get(entry.getKey());
                Write finalWrite = entry.getValue().stream().filter(w -> w.value() == stored).findFirst()
                        .orElseThrow(() -> new AssertionError("key " + entry.getKey() + " holds " + stored
                                + ", which no acknowledged write put there"));
                for (Write other : entry.getValue()) {
                    assertThat(other.calledAt())
                            .as("key %s holds %s, but write %s was called after it was acknowledged", entry.getKey(),
                                    stored, other.value())
                            .isLessThanOrEqualTo(finalWrite.ackedAt());
                }
            }
        }
    }

    @Test
    void twoInstancesOnOneBackendWritingDifferentKeysLoseNothingAndDoConflict() throws Exception {
        MapStorageBackend backend = new MapStorageBackend(2);
        backend.setLatency(Duration.ofMillis(1));
        ViewDefinition view = view(20);
        String sid = SessionIds.newSid();
        Map<String, Long> lastAcknowledged = new HashMap<>();
        long conflicts = 0;
        try (StashAdapter a = new StashAdapter(backend, Engines.settings().maxWriteAttempts(50).build());
                StashAdapter b = new StashAdapter(backend, Engines.settings().maxWriteAttempts(50).build())) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Map<String, Long>>> futures = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                StashAdapter instance = w % 2 == 0 ? a : b;
                int writer = w;
                futures.add(pool.submit(() -> {
                    Map<String, Long> mine = new HashMap<>();
                    start.await();
                    for (int i = 0; i < 150; i++) {
                        String key = "k" + (writer * 5 + i % 5); // each writer owns 5 keys
                        long value = writer * 1_000_000L + i;
                        await(instance.stash(sid, view, Map.of(key, value)));
                        mine.put(key, value);
                    }
                    return mine;
                }));
            }
            start.countDown();
            for (Future<Map<String, Long>> f : futures) {
                lastAcknowledged.putAll(f.get());
            }
            pool.shutdownNow();
            conflicts = a.statistics().conflicts() + b.statistics().conflicts();
            System.out.printf("two instances, 600 stashes to one session: %d conflicts, %d PUTs%n", conflicts,
                    backend.count(MapStorageBackend.Operation.PUT));
        }
        assertThat(conflicts).as("compare-and-swap conflicts between the two instances").isPositive();
        try (StashAdapter fresh = new StashAdapter(backend, Engines.settings().build())) {
            Recovery recovery = await(fresh.recover(sid, view, MountKind.FRESH));
            assertThat(recovery.values()).containsExactlyInAnyOrderEntriesOf(lastAcknowledged);
        }
    }
}
