package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.durablestash.core.MapStorageBackend.Operation;
import dev.durablestash.storage.StorageException;

/** A flaky store never turns into a false acknowledgement, a lost write or a resurrected value. */
class FaultInjectionTests {

    static final int WRITERS = 4;
    static final int STASHES = 300;

    /** What one writer saw: per key, the last acknowledged value and every value it attempted. */
    record Outcome(Map<String, Long> lastAcknowledged, Map<String, Set<Long>> attempted, int acknowledged, int failed) {
    }

    @Test
    void withTwentyPercentOfPutsFailingEveryStashIsEitherFailedOrDurable() throws Exception {
        MapStorageBackend backend = new MapStorageBackend(42);
        backend.setFailureRate(Operation.PUT, 0.2);
        String sid = SessionIds.newSid();
        Outcome outcome = runWriters(backend, sid);

        assertThat(outcome.failed()).as("some stashes must have failed").isPositive();
        assertThat(outcome.acknowledged()).as("some stashes must have succeeded").isPositive();
        backend.clearFaults();
        Map<String, Long> stored = readAll(backend, sid);
        // Failed PUTs were not applied, so each key (one sequential writer each) is at its last acknowledged value.
        assertThat(stored).containsExactlyInAnyOrderEntriesOf(outcome.lastAcknowledged());
    }

    @Test
    void lostResponsesNeitherLoseNorResurrectState() throws Exception {
        MapStorageBackend backend = new MapStorageBackend(43);
        backend.setLostResponseRate(Operation.PUT, 0.2);
        String sid = SessionIds.newSid();
        Outcome outcome = runWriters(backend, sid);

        assertThat(outcome.failed()).isPositive();
        backend.clearFaults();
        Map<String, Long> stored = readAll(backend, sid);
        assertThat(stored.keySet()).containsAll(outcome.lastAcknowledged().keySet());
        for (Map.Entry<String, Long> e : stored.entrySet()) {
            String key = e.getKey();
            long last = outcome.lastAcknowledged().getOrDefault(key, Long.MIN_VALUE);
            // A lost response may leave a later (reported failed) value, never an older one.
            assertThat(e.getValue()).as("key %s", key).isGreaterThanOrEqualTo(last);
            assertThat(outcome.attempted().get(key)).as("key %s holds a value that was never stashed", key)
                    .contains(e.getValue());
        }
    }

    @Test
    void failingGetsGiveAnErrorRecoveryAndFailedStashesNeverFalseSuccesses() throws Exception {
        MapStorageBackend backend = new MapStorageBackend(44);
        ViewDefinition view = ConcurrentStashTests.view(2);
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            backend.failNext(Operation.GET, 1);
            Recovery recovery = await(adapter.recover(sid, view, MountKind.FRESH));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.ERROR);
            assertThat(recovery.error()).get().isInstanceOf(StorageException.class);
            assertThat(recovery.values()).isEmpty();

            assertThat(await(adapter.recover(sid, view, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
            backend.failNext(Operation.PUT, 1);
            Throwable failure = failureOf(adapter.stash(sid, view, Map.of("k0", 1L)));
            assertThat(failure).isInstanceOf(StashWriteException.class).hasMessageContaining("grid");
            assertThat(((StashWriteException) failure).view()).isEqualTo("grid");
            assertThat(backend.size()).isZero();

            await(adapter.stash(sid, view, Map.of("k1", 2L)));
            Recovery after = await(adapter.recover(sid, view, MountKind.FRESH));
            assertThat(after.values()).containsExactly(Map.entry("k1", 2L));
        }
    }

    @Test
    void aStashWhoseWriteFailsIsNotRetriedLater() throws Exception {
        MapStorageBackend backend = new MapStorageBackend(45);
        ViewDefinition view = ConcurrentStashTests.view(2);
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, view, Map.of("k0", 1L)));
            backend.failNext(Operation.PUT, 1);
            assertThatThrownBy(() -> await(adapter.stash(sid, view, Map.of("k0", 2L))))
                    .isInstanceOf(StashWriteException.class);
            await(adapter.stash(sid, view, Map.of("k1", 5L)));
            Recovery recovery = await(adapter.recover(sid, view, MountKind.FRESH));
            assertThat(recovery.values()).containsOnly(Map.entry("k0", 1L), Map.entry("k1", 5L));
        }
    }

    private static Outcome runWriters(MapStorageBackend backend, String sid) throws Exception {
        ViewDefinition view = ConcurrentStashTests.view(WRITERS * 5);
        Map<String, Long> lastAcknowledged = new HashMap<>();
        Map<String, Set<Long>> attempted = new HashMap<>();
        int acknowledged = 0;
        int failed = 0;
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Object[]>> futures = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                futures.add(pool.submit(() -> {
                    Map<String, Long> last = new HashMap<>();
                    Map<String, Set<Long>> tried = new HashMap<>();
                    int ok = 0;
                    int bad = 0;
                    start.await();
                    for (int i = 0; i < STASHES; i++) {
                        String key = "k" + (writer * 5 + i % 5);
                        long value = writer * 1_000_000L + i;
                        tried.computeIfAbsent(key, k -> new HashSet<>()).add(value);
                        Throwable failure = failureOf(adapter.stash(sid, view, Map.of(key, value)));
                        if (failure == null) {
                            last.put(key, value);
                            ok++;
                        } else {
                            assertThat(failure).isInstanceOf(StashWriteException.class);
                            bad++;
                        }
                    }
                    return new Object[] {last, tried, ok, bad};
                }));
            }
            start.countDown();
            for (Future<Object[]> f : futures) {
                Object[] r = f.get();
                @SuppressWarnings("unchecked")
                Map<String, Long> last = (Map<String, Long>) r[0];
                @SuppressWarnings("unchecked")
                Map<String, Set<Long>> tried = (Map<String, Set<Long>>) r[1];
                lastAcknowledged.putAll(last);
                attempted.putAll(tried);
                acknowledged += (int) r[2];
                failed += (int) r[3];
            }
            pool.shutdownNow();
        }
        return new Outcome(lastAcknowledged, attempted, acknowledged, failed);
    }

    private static Map<String, Long> readAll(MapStorageBackend backend, String sid) throws Exception {
        ViewDefinition view = ConcurrentStashTests.view(WRITERS * 5);
        assertThat(backend.keys()).hasSize(1);
        // A fresh instance reads what storage really holds.
        try (StashAdapter fresh = new StashAdapter(backend, Engines.settings().build())) {
            Recovery recovery = await(fresh.recover(sid, view, MountKind.FRESH));
            Map<String, Long> values = new HashMap<>();
            recovery.values().forEach((k, v) -> values.put(k, (Long) v));
            return values;
        }
    }

}
