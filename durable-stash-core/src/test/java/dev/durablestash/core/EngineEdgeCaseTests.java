package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import dev.durablestash.core.MapStorageBackend.Operation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Edge cases: a failed migration write-back, a left-over move marker. */
class EngineEdgeCaseTests {

    static final JsonMapper JSON = JsonMapper.builder().build();

    final MapStorageBackend store = new MapStorageBackend();
    final String sid = SessionIds.newSid();

    static final ViewDefinition V1 = ViewDefinition.builder("profile").key("a", Integer.class).key("b", Integer.class).build();
    static final ViewDefinition V2 = ViewDefinition.builder("profile").vsn(2)
            .key("a", Integer.class).key("b", Integer.class)
            .migrator((storedVsn, data) -> data) // same keys, new version
            .build();

    /**
     * A recover migrates {a:1, b:2} from vsn 1 and answers it; its write-back fails once (storage
     * blip, logged only). The view then stashes only what changed (a=5): that MERGE meets the vsn-1
     * slice still stored and replaces it, so b, which nobody changed or removed, is gone.
     */
    @Test
    void aFailedMigrationWriteBackDoesNotLetTheNextStashWipeUnchangedKeys() throws Exception {
        try (StashAdapter old = new StashAdapter(store, Engines.settings().build())) {
            await(old.stash(sid, V1, Map.of("a", 1, "b", 2)));
        }
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().build())) {
            store.failNext(Operation.PUT, 1); // the write-back
            Recovery recovered = await(adapter.recover(sid, V2, MountKind.REJOIN));
            assertThat(recovered.values()).containsOnly(Map.entry("a", 1), Map.entry("b", 2));
            await(adapter.stash(sid, V2, Map.of("a", 5))); // only the changed key, as the contract says
            assertThat(await(adapter.recover(sid, V2, MountKind.REJOIN)).values())
                    .containsOnly(Map.entry("a", 5), Map.entry("b", 2));
        }
    }

    /**
     * Step 2, brand-new session: the lock on the old key is a marker of the empty document, which has
     * no expiresAt. If the marker's delete fails, the marker is left "pointing to the newer key" but it
     * never expires (the class comment says it does).
     */
    @Test
    void aNewSessionsLeftOverMoveMarkerExpires() throws Exception {
        try (StashAdapter m = new StashAdapter(store, SecretRotationSteps.stepTwo().build())) {
            store.failNext(Operation.DELETE, 1); // removing the marker fails
            await(m.stash(sid, V1, Map.of("a", 1)));
        }
        String oldKey = key(SecretRotationTests.A);
        assertThat(store.keys()).contains(oldKey);
        JsonNode marker = JSON.readTree(store.read(oldKey).orElseThrow());
        assertThat(marker.get("moved").asBoolean()).isTrue();
        assertThat(marker.has("expiresAt")).as("left-over marker %s", marker).isTrue();
    }

    private String key(String secret) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "durable-stash/" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac.doFinal(sid.getBytes(StandardCharsets.UTF_8)));
    }
}
