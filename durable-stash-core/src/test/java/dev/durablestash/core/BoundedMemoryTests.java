package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.Test;

import dev.durablestash.core.MapStorageBackend.Operation;

/** Memory and threads do not grow with the number of sessions ever seen. */
class BoundedMemoryTests {

    static final ViewDefinition VIEW = ViewDefinition.builder("counter").key("count", int.class).build();

    @Test
    void aHundredThousandSessionsTouchedOnceKeepLiveActorsAtTheCapAndThreadsFlat() throws Exception {
        MapStorageBackend backend = new MapStorageBackend();
        int cap = 1_000;
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().maxLiveActors(cap).build())) {
            int threadsAtTenThousand = 0;
            for (int i = 1; i <= 100_000; i++) {
                String sid = SessionIds.newSid();
                if (i % 2 == 0) {
                    await(adapter.recover(sid, VIEW, MountKind.FRESH));
                } else {
                    await(adapter.stash(sid, VIEW, Map.of("count", i)));
                }
                if (i == 10_000) {
                    threadsAtTenThousand = Thread.activeCount();
                }
            }
            // An evicted actor counts as live until it has finished draining, which happens on the engine's
            // pool just after its last caller was answered: wait for that (bounded), then check the cap.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (adapter.statistics().liveActors() > cap && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(adapter.statistics().liveActors()).isLessThanOrEqualTo(cap);
            assertThat(adapter.statistics().evictions()).isGreaterThanOrEqualTo(100_000 - cap);
            assertThat(Thread.activeCount()).isLessThanOrEqualTo(threadsAtTenThousand + 2);
        }
        assertThat(backend.size()).isEqualTo(50_000);
    }

    /**
     * A hundred sessions each caching a document of about 50 KB (a draft of 50,000 characters) under a
     * budget of 1 MiB: the live actors stay within the budget (before, all hundred stayed, 5 MB of
     * documents for a cap meant for 1,000 small ones), and every session's state is still read back.
     */
    @Test
    void largeDocumentsKeepTheLiveActorsWithinTheByteBudgetAndLoseNothing() throws Exception {
        ViewDefinition draft = ViewDefinition.builder("draft").key("text", String.class).build();
        MapStorageBackend backend = new MapStorageBackend();
        int documentBytes = 50_000;
        long budget = 1024 * 1024;
        Map<String, String> expected = new HashMap<>();
        try (StashAdapter adapter = new StashAdapter(backend,
                Engines.settings().maxLiveActors(1_000).maxLiveBytes(budget).build())) {
            for (int i = 0; i < 100; i++) {
                String sid = SessionIds.newSid();
                String text = Integer.toString(i).repeat(documentBytes / Integer.toString(i).length());
                await(adapter.stash(sid, draft, Map.of("text", text)));
                expected.put(sid, text);
            }
            long most = budget / documentBytes;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (adapter.statistics().liveActors() > most && System.nanoTime() < deadline) {
                Thread.sleep(10); // an evicted actor counts as live until it has drained (see above)
            }
            assertThat(adapter.statistics().liveActors()).as("live actors of ~50 KB under a 1 MiB budget")
                    .isBetween(1L, most);
            for (Map.Entry<String, String> e : expected.entrySet()) {
                assertThat(await(adapter.recover(e.getKey(), draft, MountKind.REJOIN)).values())
                        .containsOnly(Map.entry("text", e.getValue()));
            }
        }
    }

    @Test
    void aByteBudgetBelowTheLargestDocumentIsRefused() {
        assertThatThrownBy(() -> Engines.settings().maxDocumentBytes(2 * 1024 * 1024).maxLiveBytes(1024 * 1024)
                .build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("maxLiveBytes (1048576) is below maxDocumentBytes (2097152)");
    }

    @Test
    void idleActorsAreDroppedAndTheirStateIsStillThere() throws Exception {
        MapStorageBackend backend = new MapStorageBackend();
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend,
                Engines.settings().actorIdleTimeout(Duration.ofMillis(50)).build())) {
            await(adapter.stash(sid, VIEW, Map.of("count", 5)));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (adapter.statistics().liveActors() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(adapter.statistics().liveActors()).isZero();
            assertThat(await(adapter.recover(sid, VIEW, MountKind.FRESH)).values()).containsOnly(Map.entry("count", 5));
        }
    }

    @Test
    void evictingActorsWithWritesInFlightLosesNoneOfThem() throws Exception {
        MapStorageBackend backend = new MapStorageBackend();
        backend.setLatency(Operation.PUT, Duration.ofMillis(20));
        int sessions = 200;
        Map<String, Integer> expected = new HashMap<>();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().maxLiveActors(10).build())) {
            List<CompletionStage<Void>> writes = new ArrayList<>();
            List<String> sids = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                sids.add(SessionIds.newSid());
            }
            // Two rounds of writes per session while the cap forces constant eviction of busy actors.
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < sessions; i++) {
                    int value = round * 1_000 + i;
                    writes.add(adapter.stash(sids.get(i), VIEW, Map.of("count", value)));
                    expected.put(sids.get(i), value);
                }
            }
            for (CompletionStage<Void> write : writes) {
                await(write);
            }
            assertThat(adapter.statistics().evictions()).isPositive();
            backend.clearFaults();
            try (StashAdapter fresh = new StashAdapter(backend, Engines.settings().build())) {
                for (Map.Entry<String, Integer> e : expected.entrySet()) {
                    assertThat(await(fresh.recover(e.getKey(), VIEW, MountKind.FRESH)).values())
                            .containsOnly(Map.entry("count", e.getValue()));
                }
            }
        }
    }
}
