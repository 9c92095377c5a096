package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.durablestash.core.MapStorageBackend.Operation;

/** Scopes, views' isolation, reset, and secret rotation. */
class ScopeAndRotationTests {

    static final ViewDefinition COMPOSE = ViewDefinition.builder("compose")
            .key("theme", String.class)
            .key("draft", String.class, Scope.RECONNECT)
            .build();

    final MapStorageBackend backend = new MapStorageBackend();
    final String sid = SessionIds.newSid();

    @Test
    void reconnectKeysAreRecoveredOnRejoinAndClearedInStorageByAFreshMount() throws Exception {
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, COMPOSE, Map.of("theme", "dark", "draft", "Dear Ada")));

            Recovery rejoin = await(adapter.recover(sid, COMPOSE, MountKind.REJOIN));
            assertThat(rejoin.values()).containsOnly(Map.entry("theme", "dark"), Map.entry("draft", "Dear Ada"));

            Recovery fresh = await(adapter.recover(sid, COMPOSE, MountKind.FRESH));
            assertThat(fresh.status()).isEqualTo(RecoveryStatus.RECOVERED);
            assertThat(fresh.values()).containsOnly(Map.entry("theme", "dark"));
        }
        // Cleared in storage, not just hidden: a rejoin through another instance sees no draft.
        try (StashAdapter other = new StashAdapter(backend, Engines.settings().build())) {
            assertThat(await(other.recover(sid, COMPOSE, MountKind.REJOIN)).values()).containsOnly(Map.entry("theme", "dark"));
        }
    }

    @Test
    void viewsNeverSeeEachOthersKeysAndResetClearsOnlyItsView() throws Exception {
        ViewDefinition counter = ViewDefinition.builder("counter").key("count", int.class).build();
        ViewDefinition other = ViewDefinition.builder("other").key("count", int.class).build();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, counter, Map.of("count", 3)));
            await(adapter.stash(sid, other, Map.of("count", 7)));
            assertThat(await(adapter.recover(sid, counter, MountKind.FRESH)).values()).containsOnly(Map.entry("count", 3));

            await(adapter.reset(sid, counter));
            assertThat(await(adapter.recover(sid, counter, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
            assertThat(await(adapter.recover(sid, other, MountKind.FRESH)).values()).containsOnly(Map.entry("count", 7));

            // Another session is another document.
            assertThat(await(adapter.recover(SessionIds.newSid(), other, MountKind.FRESH)).status())
                    .isEqualTo(RecoveryStatus.NOT_FOUND);
        }
    }

    @Test
    void removedKeysRecoverAsAbsent() throws Exception {
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, COMPOSE, Map.of("theme", "dark")));
            await(adapter.stash(sid, COMPOSE, Map.of(), List.of("theme")));
            Recovery recovery = await(adapter.recover(sid, COMPOSE, MountKind.FRESH));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.RECOVERED);
            assertThat(recovery.has("theme")).isFalse();
        }
    }

    @Test
    void stateWrittenUnderAPreviousSecretIsFoundAndMovesToTheCurrentKey() throws Exception {
        String oldSecret = "the-old-secret-0123456789abcdefghijkl";
        try (StashAdapter before = new StashAdapter(backend, Engines.settings().secret(oldSecret).build())) {
            await(before.stash(sid, COMPOSE, Map.of("theme", "dark")));
        }
        String oldKey = backend.keys().iterator().next();

        try (StashAdapter after = new StashAdapter(backend,
                Engines.settings().previousSecrets(List.of(oldSecret)).build())) {
            Recovery recovery = await(after.recover(sid, COMPOSE, MountKind.FRESH));
            assertThat(recovery.values()).containsOnly(Map.entry("theme", "dark"));
            await(after.stash(sid, COMPOSE, Map.of("draft", "x"))); // queued behind the move
        }
        assertThat(backend.keys()).hasSize(1).doesNotContain(oldKey);

        try (StashAdapter withoutOld = new StashAdapter(backend, Engines.settings().build())) {
            assertThat(await(withoutOld.recover(sid, COMPOSE, MountKind.REJOIN)).values())
                    .containsOnly(Map.entry("theme", "dark"), Map.entry("draft", "x"));
        }
    }

    @Test
    void storageKeysRevealNothingOfTheSessionId() throws Exception {
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().keyPrefix("sessions/").build())) {
            await(adapter.stash(sid, COMPOSE, Map.of("theme", "dark")));
        }
        String key = backend.keys().iterator().next();
        assertThat(key).startsWith("sessions/").doesNotContain(sid).hasSize("sessions/".length() + 43);
    }

    @Test
    void aWarmActorRevalidatesWithOneConditionalGetAndAnUncontendedStashCostsOnePut() throws Exception {
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, COMPOSE, Map.of("theme", "dark")));
            backend.resetCounters();
            await(adapter.recover(sid, COMPOSE, MountKind.REJOIN));
            assertThat(backend.count(Operation.GET)).isEqualTo(1);
            assertThat(backend.notModified()).isEqualTo(1);
            await(adapter.stash(sid, COMPOSE, Map.of("theme", "light")));
            assertThat(backend.count(Operation.PUT)).isEqualTo(1);
            assertThat(backend.count(Operation.GET)).isEqualTo(1);
        }
    }

    @Test
    void withRevalidationOffAWarmActorReadsNothing() throws Exception {
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().revalidateOnMount(false).build())) {
            await(adapter.stash(sid, COMPOSE, Map.of("theme", "dark")));
            backend.resetCounters();
            for (int i = 0; i < 3; i++) {
                assertThat(await(adapter.recover(sid, COMPOSE, MountKind.REJOIN)).values()).containsEntry("theme", "dark");
            }
            assertThat(backend.count(Operation.GET)).isZero();
        }
    }
}
