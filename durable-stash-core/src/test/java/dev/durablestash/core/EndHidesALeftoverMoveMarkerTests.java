package dev.durablestash.core;

import static dev.durablestash.core.SecretRotationSteps.OLD;
import static dev.durablestash.core.SecretRotationSteps.stepOne;
import static dev.durablestash.core.SecretRotationSteps.stepTwo;
import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A second-step move whose marker DELETE failed leaves a move marker (the state from before the move) under
 * the old secret's key. An end used to delete the state under the new key first and the marker then: while it
 * did, and for good should that removal fail, every load finished the move from the marker and served the
 * state from before the move. An end in the second step now writes an empty document over the state instead
 * (one write), which hides the marker from every load. The first test was seen failing before (a=1).
 */
class EndHidesALeftoverMoveMarkerTests {

    static final ViewDefinition VIEW = ViewDefinition.builder("v").key("a", Long.class).build();

    @RegisterExtension
    final OpenEngines engines = new OpenEngines();

    @Test
    void aFailedEndDoesNotBringBackTheStateFromBeforeTheMove() throws Exception {
        MapStorageBackend map = new MapStorageBackend();
        FailingDeletesBackend store = new FailingDeletesBackend(map);
        StashAdapter stepOne = engines.open(store, stepOne());
        StashAdapter stepTwo = engines.open(store, stepTwo());
        String sid = SessionIds.newSid();

        await(stepOne.stash(sid, VIEW, Map.of("a", 1L))); // under OLD
        String oldKey = map.keys().iterator().next();
        store.failing = oldKey;
        await(stepTwo.stash(sid, VIEW, Map.of("a", 2L))); // moved to NEW; the marker's delete fails (logged only)
        await(stepTwo.stash(sid, VIEW, Map.of("a", 3L))); // acknowledged, under NEW
        assertThat(map.keys()).as("marker left under OLD").contains(oldKey).hasSize(2);

        Throwable endError = null;
        try {
            stepTwo.end(sid).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            endError = e.getCause();
        }
        store.failing = null;

        Recovery after = await(stepTwo.recover(sid, VIEW, MountKind.REJOIN));
        assertThat(after.values()).as("after an end that %s: either the last acknowledged state (a=3) or nothing, "
                + "never the state from before the move; keys %s", endError == null ? "succeeded" : "failed: " + endError,
                map.keys()).doesNotContainEntry("a", 1L);
    }

    /**
     * While an end runs (its write held) a read of another instance sees the last acknowledged state, after it
     * nothing: never the state from before the move, and a later stash starts from an empty session.
     */
    @Test
    void noReadDuringOrAfterAnEndSeesTheStateFromBeforeTheMove() throws Exception {
        MapStorageBackend map = new MapStorageBackend();
        FailingDeletesBackend failing = new FailingDeletesBackend(map);
        HeldBackend store = new HeldBackend(failing);
        StashAdapter stepOne = engines.open(store, stepOne());
        StashAdapter stepTwo = engines.open(store, stepTwo());
        StashAdapter otherStepTwo = engines.open(store, stepTwo());
        String sid = SessionIds.newSid();

        await(stepOne.stash(sid, VIEW, Map.of("a", 1L))); // under OLD
        String oldKey = map.keys().iterator().next();
        failing.failing = oldKey;
        await(stepTwo.stash(sid, VIEW, Map.of("a", 2L))); // moved to NEW; the marker's delete fails (logged only)
        failing.failing = null;
        await(stepTwo.stash(sid, VIEW, Map.of("a", 3L))); // acknowledged, under NEW
        assertThat(await(otherStepTwo.recover(sid, VIEW, MountKind.REJOIN)).values()).containsEntry("a", 3L);

        store.hold(MapStorageBackend.Operation.PUT);
        CompletableFuture<Void> end = stepTwo.end(sid).toCompletableFuture();
        HeldBackend.Held held = store.next(); // the end's write
        store.stopHolding();
        Recovery during = await(otherStepTwo.recover(sid, VIEW, MountKind.REJOIN));
        held.release().run();
        end.get(10, TimeUnit.SECONDS);

        assertThat(during.values()).as("a read while the end runs").doesNotContainEntry("a", 1L);
        assertThat(await(otherStepTwo.recover(sid, VIEW, MountKind.REJOIN)).values()).as("after the end").isEmpty();
        await(otherStepTwo.stash(sid, VIEW, Map.of("a", 9L)));
        assertThat(await(stepTwo.recover(sid, VIEW, MountKind.REJOIN)).values()).as("a stash after the end")
                .containsExactly(Map.entry("a", 9L));
    }
}
