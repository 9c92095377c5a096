package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import dev.durablestash.core.MapStorageBackend.Operation;
import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testsupport.MutableClock;
import tools.jackson.databind.node.ObjectNode;

/** The order of the actor's own writes, and operations that must end even when a backend misbehaves. */
class OrderingAndRobustnessTests {

    static final ViewDefinition COMPOSE = ScopeAndRotationTests.COMPOSE;

    final MapStorageBackend backend = new MapStorageBackend();
    final String sid = SessionIds.newSid();

    @Test
    void aFreshMountClearsReconnectKeysBeforeAStashThatArrivedWhileItWasReading() throws Exception {
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, COMPOSE, Map.of("draft", "old")));
            backend.setLatency(Operation.GET, Duration.ofMillis(300));
            CompletionStage<Recovery> fresh = adapter.recover(sid, COMPOSE, MountKind.FRESH); // reads "old"
            waitForCalls(Operation.GET, 2);
            CompletionStage<Void> typed = adapter.stash(sid, COMPOSE, Map.of("draft", "new")); // arrives meanwhile
            assertThat(await(fresh).has("draft")).isFalse();
            await(typed);
            backend.clearFaults();
            // The clear belongs to the fresh mount, which came first: the later draft survives it.
            assertThat(await(adapter.recover(sid, COMPOSE, MountKind.REJOIN)).values()).containsEntry("draft", "new");
        }
    }

    @Test
    void aMigrationWriteBackNeverUndoesDataAnotherInstanceStoredUnderTheNewVsn() throws Exception {
        ViewDefinition v1 = ViewDefinition.builder("profile").key("name", String.class).build();
        ViewDefinition v2 = ViewDefinition.builder("profile").vsn(2)
                .key("name", String.class)
                .key("age", Integer.class)
                .migrator((storedVsn, data) -> {
                    ObjectNode migrated = data.deepCopy();
                    migrated.put("age", 0);
                    return migrated;
                })
                .build();
        try (StashAdapter old = new StashAdapter(backend, Engines.settings().build())) {
            await(old.stash(sid, v1, Map.of("name", "Ada")));
        }
        GatedBackend gated = new GatedBackend(backend);
        try (StashAdapter x = new StashAdapter(gated, Engines.settings().build());
                StashAdapter y = new StashAdapter(backend, Engines.settings().build())) {
            CompletionStage<Recovery> xRecover = x.recover(sid, v2, MountKind.FRESH); // reads vsn 1, answer held
            waitForCalls(Operation.GET, 2);
            assertThat(await(y.recover(sid, v2, MountKind.FRESH)).values()).containsEntry("age", 0);
            await(y.stash(sid, v2, Map.of("age", 36))); // acknowledged under vsn 2

            gated.open();
            assertThat(await(xRecover).values()).containsEntry("age", 0);
            gated.gateGets = false;
            await(x.stash(sid, ViewDefinition.builder("other").build(), Map.of())); // behind x's write-back
        }
        try (StashAdapter fresh = new StashAdapter(backend, Engines.settings().build())) {
            assertThat(await(fresh.recover(sid, v2, MountKind.FRESH)).values())
                    .containsOnly(Map.entry("name", "Ada"), Map.entry("age", 36));
        }
    }

    @Test
    void aResetIsNeverAcknowledgedOnTheStrengthOfAStaleCache() throws Exception {
        try (StashAdapter x = new StashAdapter(backend, Engines.settings().build());
                StashAdapter y = new StashAdapter(backend, Engines.settings().build())) {
            assertThat(await(x.recover(sid, COMPOSE, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
            await(y.stash(sid, COMPOSE, Map.of("theme", "dark"))); // another instance creates the document
            await(x.reset(sid, COMPOSE)); // x still believes nothing is stored
            assertThat(await(y.recover(sid, COMPOSE, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
        }
    }

    @Test
    void anExpiredDocumentCachedByAWarmActorDoesNotComeBackWithTheNextStash() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (StashAdapter adapter = new StashAdapter(backend,
                Engines.settings().clock(clock).ttl(Duration.ofMinutes(10)).build())) {
            await(adapter.stash(sid, COMPOSE, Map.of("theme", "dark")));
            clock.advance(Duration.ofMinutes(11));
            await(adapter.stash(sid, COMPOSE, Map.of("draft", "fresh start")));
            assertThat(await(adapter.recover(sid, COMPOSE, MountKind.REJOIN)).values())
                    .containsOnly(Map.entry("draft", "fresh start"));
        }
    }

    @Test
    void aBackendThatThrowsInsteadOfFailingAStageNeverLeavesACallerWaiting() throws Exception {
        StorageBackend throwing = new StorageBackend() {
            @Override
            public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
                throw new IllegalArgumentException("bad key " + key);
            }

            @Override
            public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
                throw new IllegalArgumentException("bad key " + key);
            }

            @Override
            public CompletionStage<Boolean> delete(String key, @Nullable String ifMatch) {
                throw new IllegalArgumentException("bad key " + key);
            }
        };
        try (StashAdapter adapter = new StashAdapter(throwing, Engines.settings().build())) {
            Recovery recovery = await(adapter.recover(sid, COMPOSE, MountKind.FRESH));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.ERROR);
            assertThat(recovery.error()).get().isInstanceOf(IllegalArgumentException.class);
            assertThat(failureOf(adapter.stash(sid, COMPOSE, Map.of("theme", "x"))))
                    .isInstanceOf(StashWriteException.class).hasMessageContaining("bad key");
            assertThat(adapter.statistics().failed()).isEqualTo(1);
        }
    }

    @Test
    void aDeserializerThatThrowsSkipsItsKeyOnly() throws Exception {
        ViewDefinition view = ViewDefinition.builder("exploding").key("ok", String.class).key("boom", Exploding.class).build();
        // Stored while the key was declared otherwise (a stash of a value that does not read back as its
        // declared type is refused): the stored value no longer builds.
        ViewDefinition before = ViewDefinition.builder("exploding").key("ok", String.class).key("boom", Object.class).build();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            Map<String, Object> boom = Map.of("value", "x");
            await(adapter.stash(sid, before, Map.of("ok", "fine", "boom", boom)));
            Recovery recovery = await(adapter.recover(sid, view, MountKind.FRESH));
            assertThat(recovery.values()).containsOnly(Map.entry("ok", "fine"));
        }
    }

    /** A type whose creator throws something other than a Jackson exception. */
    static final class Exploding {
        @com.fasterxml.jackson.annotation.JsonCreator
        Exploding(@com.fasterxml.jackson.annotation.JsonProperty("value") String value) {
            throw new IllegalStateException("cannot build " + value);
        }
    }

    private void waitForCalls(Operation operation, long calls) throws InterruptedException {
        long deadline = System.nanoTime() + Engines.TIMEOUT.toNanos();
        while (backend.count(operation) < calls) {
            assertThat(System.nanoTime()).as("%s calls reached %s", operation, calls).isLessThan(deadline);
            Thread.sleep(1);
        }
    }
}
