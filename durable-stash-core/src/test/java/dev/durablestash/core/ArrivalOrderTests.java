package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.Test;

import dev.durablestash.core.MapStorageBackend.Operation;
import dev.durablestash.storage.StorageBackend;

/**
 * Contract rule 2: a session's operations take effect in the order they arrived; batching never
 * lets a later operation overtake an earlier one or be undone by it.
 */
class ArrivalOrderTests {

    static final ViewDefinition COMPOSE = ViewDefinition.builder("compose")
            .key("theme", String.class)
            .key("draft", String.class, Scope.RECONNECT)
            .build();

    @Test
    void aFreshMountQueuedBetweenTwoStashesNeverErasesTheLaterStashesDraft() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        HeldBackend backend = new HeldBackend(store);
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, COMPOSE, Map.of("theme", "light", "draft", "old draft")));
            backend.hold(Operation.PUT);
            CompletionStage<Void> inFlight = adapter.stash(sid, COMPOSE, Map.of("theme", "sepia"));
            HeldBackend.Held write = backend.next(); // a write is in flight; the next three queue behind it

            CompletionStage<Void> s1 = adapter.stash(sid, COMPOSE, Map.of("theme", "dark"));
            CompletionStage<Recovery> r1 = adapter.recover(sid, COMPOSE, MountKind.FRESH);
            CompletionStage<Void> s2 = adapter.stash(sid, COMPOSE, Map.of("draft", "Dear Ada"));

            backend.stopHolding();
            write.release().run();
            await(inFlight);
            await(s1);
            assertThat(await(r1).values()).containsOnly(Map.entry("theme", "dark")); // S1 came first; no draft on a fresh mount
            await(s2);

            // R1 cleared the old draft before S2 stored the new one.
            assertThat(await(adapter.recover(sid, COMPOSE, MountKind.REJOIN)).values())
                    .containsOnly(Map.entry("theme", "dark"), Map.entry("draft", "Dear Ada"));
        }
        try (StashAdapter other = new StashAdapter(store, Engines.settings().build())) {
            assertThat(await(other.recover(sid, COMPOSE, MountKind.REJOIN)).values())
                    .containsOnly(Map.entry("theme", "dark"), Map.entry("draft", "Dear Ada"));
        }
    }

    /** Two views; each has a SESSION key and a RECONNECT key. */
    static final List<ViewDefinition> VIEWS = List.of(
            ViewDefinition.builder("left").key("a", Integer.class).key("d", Integer.class, Scope.RECONNECT).build(),
            ViewDefinition.builder("right").key("a", Integer.class).key("d", Integer.class, Scope.RECONNECT).build());

    /**
     * Random interleavings of stashes, fresh mounts, rejoins and resets, submitted without waiting
     * (so they queue while writes are in flight, and batches form) to a store with random latency.
     * Every recover must return what applying the operations one at a time in arrival order gives,
     * and so must storage at the end.
     */
    @Test
    void interleavedOperationsMatchASequentialModel() throws Exception {
        ScheduledExecutorService delays = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int round = 0; round < 30; round++) {
                long seed = 7919L * round + 17;
                Random random = new Random(seed);
                MapStorageBackend store = new MapStorageBackend();
                StorageBackend backend = RandomlySlowBackend.delayingAnswers(store, delays, new Random(seed + 1));
                String sid = SessionIds.newSid();
                Map<String, Map<String, Integer>> model = new HashMap<>();
                VIEWS.forEach(v -> model.put(v.name(), new LinkedHashMap<>()));
                List<CompletionStage<?>> pending = new ArrayList<>();
                List<Map.Entry<CompletionStage<Recovery>, Map<String, Integer>>> recoveries = new ArrayList<>();

                try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
                    for (int i = 0; i < 200; i++) {
                        ViewDefinition view = VIEWS.get(random.nextInt(VIEWS.size()));
                        Map<String, Integer> state = model.get(view.name());
                        int dice = random.nextInt(10);
                        if (dice < 5) {
                            Map<String, Integer> changed = new HashMap<>();
                            for (String key : List.of("a", "d")) {
                                if (changed.isEmpty() || random.nextBoolean()) {
                                    changed.put(key, i);
                                }
                            }
                            pending.add(adapter.stash(sid, view, changed));
                            state.putAll(changed);
                        } else if (dice < 7) {
                            recoveries.add(Map.entry(adapter.recover(sid, view, MountKind.FRESH), without(state, "d")));
                            state.remove("d");
                        } else if (dice < 9) {
                            recoveries.add(Map.entry(adapter.recover(sid, view, MountKind.REJOIN), Map.copyOf(state)));
                        } else {
                            pending.add(adapter.reset(sid, view));
                            state.clear();
                        }
                        if (random.nextInt(20) == 0) {
                            Thread.sleep(random.nextInt(3)); // let some writes finish, so batches vary
                        }
                    }
                    for (CompletionStage<?> stage : pending) {
                        await(stage);
                    }
                    for (int i = 0; i < recoveries.size(); i++) {
                        assertThat(await(recoveries.get(i).getKey()).values())
                                .as("recover #%d of round %d (seed %d)", i, round, seed)
                                .isEqualTo(recoveries.get(i).getValue());
                    }
                    // A fresh mount's clearing write has no caller to wait for it: a rejoin queued after it
                    // is answered only once it is done (arrival order), so storage is settled afterwards.
                    for (ViewDefinition view : VIEWS) {
                        assertThat(await(adapter.recover(sid, view, MountKind.REJOIN)).values())
                                .as("view %s right after round %d (seed %d)", view.name(), round, seed)
                                .isEqualTo(model.get(view.name()));
                    }
                }
                try (StashAdapter fresh = new StashAdapter(store, Engines.settings().build())) {
                    for (ViewDefinition view : VIEWS) {
                        assertThat(await(fresh.recover(sid, view, MountKind.REJOIN)).values())
                                .as("stored view %s after round %d (seed %d)", view.name(), round, seed)
                                .isEqualTo(model.get(view.name()));
                    }
                }
            }
        } finally {
            delays.shutdownNow();
        }
    }

    private static Map<String, Integer> without(Map<String, Integer> state, String key) {
        Map<String, Integer> copy = new HashMap<>(state);
        copy.remove(key);
        return copy;
    }
}
