package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MapStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;
import dev.durablestash.testsupport.MutableClock;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Views' versions and migrators; session expiry, lazy deletion and the half-life refresh. */
class VersionAndExpiryTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash.core.ViewRecovery");

    static final JsonMapper JSON = JsonMapper.builder().build();

    final MapStorageBackend backend = new MapStorageBackend();
    final String sid = SessionIds.newSid();

    static ViewDefinition profileV1() {
        return ViewDefinition.builder("profile").key("name", String.class).build();
    }

    @Test
    void aSliceStoredUnderAnotherVsnIsMigratedAndWrittenBack() throws Exception {
        ViewDefinition v2 = ViewDefinition.builder("profile").vsn(2)
                .key("firstName", String.class)
                .key("lastName", String.class)
                .migrator((storedVsn, data) -> {
                    assertThat(storedVsn).isEqualTo(1);
                    String[] parts = data.get("name").asString().split(" ", 2);
                    ObjectNode migrated = JSON.createObjectNode();
                    migrated.put("firstName", parts[0]);
                    migrated.put("lastName", parts[1]);
                    return migrated;
                })
                .build();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, profileV1(), Map.of("name", "Ada Lovelace")));
        }
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            Recovery recovery = await(adapter.recover(sid, v2, MountKind.FRESH));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.RECOVERED);
            assertThat(recovery.values()).containsOnly(Map.entry("firstName", "Ada"), Map.entry("lastName", "Lovelace"));
            // The recover writes the migrated slice back by itself (no stash of the view carries it).
            awaitUntil("the migrated slice written back",
                    () -> storedDocument().get("views").get("profile").get("vsn").asInt() == 2);
        }
        JsonNode slice = storedDocument().get("views").get("profile");
        assertThat(slice.get("vsn").asInt()).isEqualTo(2);
        assertThat(slice.get("data").get("firstName").asString()).isEqualTo("Ada");
        assertThat(slice.get("data").has("name")).isFalse();
    }

    @Test
    void aSliceStoredUnderAnotherVsnWithoutMigratorIsDroppedAsNotFound() throws Exception {
        ViewDefinition v2 = ViewDefinition.builder("profile").vsn(2).key("name", String.class).build();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, profileV1(), Map.of("name", "Ada")));
            Recovery recovery = await(adapter.recover(sid, v2, MountKind.FRESH));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.NOT_FOUND);
            assertThat(recovery.values()).isEmpty();

            // The next stash under vsn 2 replaces the old slice: data of two versions never mix.
            await(adapter.stash(sid, v2, Map.of("name", "Grace")));
            assertThat(await(adapter.recover(sid, v2, MountKind.FRESH)).values()).containsOnly(Map.entry("name", "Grace"));
            assertThat(await(adapter.recover(sid, profileV1(), MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
        }
    }

    @Test
    void aMigratorReturningNullOrThrowingDropsTheSlice() throws Exception {
        logs.expect(Level.ERROR, "migrator of view 'profile' failed from vsn 1 to 4");
        ViewDefinition dropping = ViewDefinition.builder("profile").vsn(3).key("name", String.class)
                .migrator((storedVsn, data) -> null).build();
        ViewDefinition throwing = ViewDefinition.builder("profile").vsn(4).key("name", String.class)
                .migrator((storedVsn, data) -> {
                    throw new IllegalStateException("cannot migrate");
                }).build();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, profileV1(), Map.of("name", "Ada")));
            assertThat(await(adapter.recover(sid, throwing, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
            assertThat(await(adapter.recover(sid, dropping, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
            // Queued behind the drop's write: when it is done, so is that.
            await(adapter.stash(sid, ViewDefinition.builder("other").build(), Map.of()));
        }
        assertThat(storedDocument().get("views").has("profile")).isFalse();
    }

    @Test
    void anExpiredDocumentReadsAsAbsentAndIsDeletedLazily() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        StashSettings settings = Engines.settings().clock(clock).ttl(Duration.ofHours(1)).build();
        try (StashAdapter adapter = new StashAdapter(backend, settings)) {
            await(adapter.stash(sid, profileV1(), Map.of("name", "Ada")));
            assertThat(storedDocument().get("expiresAt").asString()).isEqualTo("2026-01-01T01:00:00Z");

            clock.advance(Duration.ofMinutes(61));
            assertThat(backend.size()).isEqualTo(1); // nothing deletes it until it is read
            Recovery recovery = await(adapter.recover(sid, profileV1(), MountKind.FRESH));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.NOT_FOUND);
            assertThat(backend.size()).isZero();

            await(adapter.stash(sid, profileV1(), Map.of("name", "Grace")));
            assertThat(await(adapter.recover(sid, profileV1(), MountKind.FRESH)).values()).containsOnly(Map.entry("name", "Grace"));
        }
    }

    @Test
    void readsRefreshTheExpiryOnlyWhenLessThanHalfTheTtlIsLeft() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        StashSettings settings = Engines.settings().clock(clock).ttl(Duration.ofHours(10)).build();
        try (StashAdapter adapter = new StashAdapter(backend, settings)) {
            await(adapter.stash(sid, profileV1(), Map.of("name", "Ada")));
            long puts = backend.count(Operation.PUT);

            clock.advance(Duration.ofHours(4)); // 6 h of 10 left: no refresh
            for (int i = 0; i < 5; i++) {
                await(adapter.recover(sid, profileV1(), MountKind.FRESH));
            }
            assertThat(backend.count(Operation.PUT)).isEqualTo(puts);

            clock.advance(Duration.ofHours(2)); // 4 h left: one refresh, then none
            for (int i = 0; i < 5; i++) {
                await(adapter.recover(sid, profileV1(), MountKind.FRESH));
            }
            await(adapter.stash(sid, profileV1(), Map.of())); // wait for the background refresh
            assertThat(backend.count(Operation.PUT)).isBetween(puts + 1, puts + 2);
            assertThat(storedDocument().get("expiresAt").asString()).isEqualTo("2026-01-01T16:00:00Z");
        }
    }

    @Test
    void writesRefreshTheExpiry() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        StashSettings settings = Engines.settings().clock(clock).ttl(Duration.ofHours(10)).build();
        try (StashAdapter adapter = new StashAdapter(backend, settings)) {
            await(adapter.stash(sid, profileV1(), Map.of("name", "Ada")));
            clock.advance(Duration.ofHours(1));
            await(adapter.stash(sid, profileV1(), Map.of("name", "Grace")));
        }
        assertThat(storedDocument().get("expiresAt").asString()).isEqualTo("2026-01-01T11:00:00Z");
    }

    private JsonNode storedDocument() {
        assertThat(backend.keys()).hasSize(1);
        byte[] body = backend.read(backend.keys().iterator().next()).orElseThrow();
        return JSON.readTree(new String(body, StandardCharsets.UTF_8));
    }
}
