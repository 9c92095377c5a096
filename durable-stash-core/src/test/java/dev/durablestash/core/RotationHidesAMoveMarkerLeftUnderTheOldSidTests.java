package dev.durablestash.core;

import static dev.durablestash.core.SecretRotationSteps.stepOne;
import static dev.durablestash.core.SecretRotationSteps.stepTwo;
import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MapStorageBackend.Operation;

/**
 * Second step of a secret rotation: a move whose marker could not be deleted leaves the marker (with the
 * state as it was before the move) under the old secret's key, which the engine tolerates ("it points to the
 * newer key and expires"). A session id rotation that succeeds then looks for leftovers. Should removing the
 * marker fail, the rotation is still reported done; the empty document the look puts under the newest key
 * first must hide the marker, or the next load of the old id would find it without the newer key, "finish the
 * move" and serve the old state under the old id (as it did before), which README says never happens after a
 * rotation.
 */
class RotationHidesAMoveMarkerLeftUnderTheOldSidTests {

    static final ViewDefinition VIEW = ViewDefinition.builder("v").key("a", Long.class).build();

    @RegisterExtension
    final OpenEngines engines = new OpenEngines();

    @Test
    void anAcknowledgedRotationNeverLeavesTheOldIdServingItsOldState() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        FailingDeletesBackend backend = new FailingDeletesBackend(store);
        StashAdapter stepOne = engines.open(backend, stepOne());
        StashAdapter stepTwo = engines.open(backend, stepTwo());
        String sid = SessionIds.newSid();

        await(stepOne.stash(sid, VIEW, Map.of("a", 1L))); // under the old secret's key
        String oldKey = store.keys().iterator().next();

        store.failNext(Operation.DELETE, 1); // the move's marker delete fails (only logged at DEBUG)
        await(stepTwo.stash(sid, VIEW, Map.of("a", 2L))); // moved to the new key, acknowledged
        assertThat(store.keys()).hasSize(2).contains(oldKey); // the marker is left under the old key

        backend.failing = oldKey; // the rotation's look for leftovers cannot remove it
        String newSid = SessionIds.newSid();
        await(stepTwo.rotate(sid, newSid)); // acknowledged
        backend.failing = null;

        assertThat(await(stepTwo.recover(newSid, VIEW, MountKind.REJOIN)).values()).containsEntry("a", 2L);
        StashAdapter another = engines.open(store, stepTwo());
        Recovery oldId = await(another.recover(sid, VIEW, MountKind.REJOIN));
        assertThat(oldId.values()).as("the old id after an acknowledged rotation: %s", oldId).isEmpty();
    }
}
