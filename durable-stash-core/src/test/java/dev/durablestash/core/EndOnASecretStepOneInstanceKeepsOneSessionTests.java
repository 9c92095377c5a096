package dev.durablestash.core;

import static dev.durablestash.core.SecretRotationSteps.oldOnly;
import static dev.durablestash.core.SecretRotationSteps.stepOne;
import static dev.durablestash.core.SecretRotationSteps.stepTwo;
import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * In the first step of a secret rotation (README "Rotating the secret": instances with only the old secret
 * and step-1 instances run side by side), an end (or a rotation) on a step-1 instance leaves its empty
 * document under the next secret's key too, to refuse a late create there. That document must not split
 * the session id: step-1 instances read the next key first, and had they stopped at it (and written there)
 * while instances with only the old secret read and write the old key, writes each side acknowledged would
 * never be seen by the other, and those of the old-secret side would be lost once every instance runs step 1
 * (as they were before: the empty document under the next key was a plain one, which loads stopped at).
 */
class EndOnASecretStepOneInstanceKeepsOneSessionTests {

    static final ViewDefinition VIEW = ViewDefinition.builder("v").key("a", Long.class).build();

    @RegisterExtension
    final OpenEngines engines = new OpenEngines();

    @Test
    void aStashAcknowledgedByAnOldSecretInstanceAfterAnEndOnAStepOneInstanceIsSeenByTheStepOneInstance()
            throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        StashAdapter oldOnly = engines.open(store, oldOnly());
        StashAdapter stepOne = engines.open(store, stepOne());
        String sid = SessionIds.newSid();

        await(stepOne.stash(sid, VIEW, Map.of("a", 1L)));
        await(stepOne.end(sid));
        await(oldOnly.stash(sid, VIEW, Map.of("a", 2L))); // acknowledged

        assertThat(await(oldOnly.recover(sid, VIEW, MountKind.REJOIN)).values()).containsEntry("a", 2L);
        Recovery seenByStepOne = await(stepOne.recover(sid, VIEW, MountKind.REJOIN));
        assertThat(seenByStepOne.values()).as("step-1 instance after an acknowledged stash (%s)", seenByStepOne)
                .containsEntry("a", 2L);
    }

    @Test
    void aStashAcknowledgedByAStepOneInstanceAfterItsEndIsSeenByAnOldSecretInstance() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        StashAdapter oldOnly = engines.open(store, oldOnly());
        StashAdapter stepOne = engines.open(store, stepOne());
        String sid = SessionIds.newSid();

        await(stepOne.stash(sid, VIEW, Map.of("a", 1L)));
        await(stepOne.end(sid));
        await(stepOne.stash(sid, VIEW, Map.of("a", 3L))); // acknowledged, README: step 1 writes under the old key

        Recovery seenByOld = await(oldOnly.recover(sid, VIEW, MountKind.REJOIN));
        assertThat(seenByOld.values()).as("old-secret instance after an acknowledged stash (%s); keys stored: %s",
                seenByOld, store.keys()).containsEntry("a", 3L);
    }

    @Test
    void theSameAfterARotationOnAStepOneInstance() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        StashAdapter oldOnly = engines.open(store, oldOnly());
        StashAdapter stepOne = engines.open(store, stepOne());
        String sid = SessionIds.newSid();

        await(stepOne.stash(sid, VIEW, Map.of("a", 1L)));
        await(stepOne.rotate(sid, SessionIds.newSid()));
        await(oldOnly.stash(sid, VIEW, Map.of("a", 2L))); // acknowledged

        // Every instance moves to step 1: the acknowledged stash must still be there.
        StashAdapter stepOneToo = engines.open(store, stepOne());
        Recovery after = await(stepOneToo.recover(sid, VIEW, MountKind.REJOIN));
        assertThat(after.values()).as("after every instance runs step 1 (%s)", after).containsEntry("a", 2L);
        assertThat(List.of(after.status())).containsExactly(RecoveryStatus.RECOVERED);
    }

    /**
     * Next deploy: second-step instances (secret NEW, previous OLD) run beside first-step ones. They pass over
     * the empty move marker a first-step end left under NEW, find what a first-step instance stored under OLD
     * after the end, and move it there (replacing that marker, compare-and-swap on its version).
     */
    @Test
    void aSecondStepInstanceMovesWhatAFirstStepInstanceStoredAfterItsEnd() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        StashAdapter stepOne = engines.open(store, stepOne());
        StashAdapter stepTwo = engines.open(store, stepTwo());
        String sid = SessionIds.newSid();

        await(stepOne.stash(sid, VIEW, Map.of("a", 1L)));
        await(stepOne.end(sid));
        await(stepOne.stash(sid, VIEW, Map.of("a", 3L))); // under OLD

        assertThat(await(stepTwo.recover(sid, VIEW, MountKind.REJOIN)).values()).containsEntry("a", 3L);
        await(stepTwo.stash(sid, VIEW, Map.of("a", 4L))); // moves it to NEW
        assertThat(await(stepOne.recover(sid, VIEW, MountKind.REJOIN)).values()).containsEntry("a", 4L);
        await(stepOne.stash(sid, VIEW, Map.of("a", 5L))); // under NEW now
        assertThat(await(stepTwo.recover(sid, VIEW, MountKind.REJOIN)).values()).containsEntry("a", 5L);

        await(stepTwo.end(sid)); // a second-step end: nothing is left to read under either key
        assertThat(await(stepOne.recover(sid, VIEW, MountKind.REJOIN)).values()).isEmpty();
        assertThat(await(stepTwo.recover(sid, VIEW, MountKind.REJOIN)).values()).isEmpty();
    }
}
