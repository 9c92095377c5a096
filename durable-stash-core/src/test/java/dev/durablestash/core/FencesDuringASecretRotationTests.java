package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MapStorageBackend.Operation;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;

/**
 * The empty document an end or a rotation leaves under the old id, during the first step of a secret rotation
 * (instances with secret A only, with A and next B, and with B and previous A may run side by side): it goes
 * under both keys, and a late create that lands under A meanwhile is removed, not hidden behind B's empty
 * document (instances without B read A only).
 */
class FencesDuringASecretRotationTests {

    final MapStorageBackend store = new MapStorageBackend();
    final HeldBackend held = new HeldBackend(store);
    @RegisterExtension
    final OpenEngines engines = new OpenEngines();
    final String sid = SessionIds.newSid();

    /**
     * An end on a first-step instance (current A, next B) that finds a document without views under A is
     * "done" and writes nothing under B, where second-step instances' creates land: a late create there is
     * accepted, and first- and second-step instances read B first.
     */
    @Test
    void anEndOnAFirstStepInstanceThatFindsAResetDocumentUnderAStillRefusesALateCreateUnderB() throws Exception {
        StashAdapter firstStep = engines.open(store, SecretRotationSteps.stepOne());
        await(firstStep.stash(sid, SecretRotationTests.VIEW, Map.of("x", 1)));
        await(firstStep.reset(sid, SecretRotationTests.VIEW)); // a document without views under A
        assertThat(store.keys()).containsExactly(EncryptionAtRestTests.key(SecretRotationTests.A, sid));

        await(firstStep.end(sid));

        // a second-step instance's create (sent before the end, no answer in time) lands under B only now
        String b = EncryptionAtRestTests.key(SecretRotationTests.B, sid);
        assertThat(await(store.put(b, "{}".getBytes(StandardCharsets.UTF_8), Precondition.absent())))
                .as("a late create under the key of secret B after an end on a first-step instance")
                .isInstanceOf(PutResult.PreconditionFailed.class);
    }

    /**
     * The late create lands under A between the end's load and its fence. The fence
     * writes B's empty document, meets the object under A (conflict), loads again, reads B's empty document
     * first and stops (holdsOnlyAnEmptyDocument): the state under A stays, and an instance not yet in the
     * rotation (secret A only) serves it for the ended id.
     */
    @Test
    void aLateCreateUnderAThatLandsWhileAFirstStepEndFencesIsRemoved() throws Exception {
        String a = EncryptionAtRestTests.key(SecretRotationTests.A, sid);
        MapStorageBackend elsewhere = new MapStorageBackend();
        await(engines.open(elsewhere, SecretRotationSteps.oldOnly())
                .stash(sid, SecretRotationTests.VIEW, Map.of("x", 7)));
        byte[] lateCreate = elsewhere.read(a).orElseThrow(); // what a before-instance's timed-out create carries

        StashAdapter firstStep = engines.open(held, SecretRotationSteps.stepOne());
        held.onlyKey(a);
        held.hold(Operation.PUT);
        CompletionStage<Void> end = firstStep.end(sid); // finds nothing; fences B, then A
        HeldBackend.Held fenceOfA = held.next();
        held.stopHolding();
        assertThat(await(store.put(a, lateCreate, Precondition.absent()))).isInstanceOf(PutResult.Written.class);
        fenceOfA.release().run(); // meets the late create: the end loads again and should remove it

        await(end);
        StashAdapter notYetRotated = engines.open(store, SecretRotationSteps.oldOnly());
        assertThat(await(notYetRotated.recover(sid, SecretRotationTests.VIEW, MountKind.REJOIN)).values())
                .as("state stashed before the logout, served for the ended id by a before-instance")
                .doesNotContainKey("x");
    }
    /** The same for a rotation (login) on a first-step instance: its look for leftovers stops at B's empty document. */
    @Test
    void aLateCreateUnderAThatLandsWhileAFirstStepRotationFencesIsRemoved() throws Exception {
        String a = EncryptionAtRestTests.key(SecretRotationTests.A, sid);
        MapStorageBackend elsewhere = new MapStorageBackend();
        await(engines.open(elsewhere, SecretRotationSteps.oldOnly())
                .stash(sid, SecretRotationTests.VIEW, Map.of("x", 7)));
        byte[] lateCreate = elsewhere.read(a).orElseThrow();

        StashAdapter firstStep = engines.open(held, SecretRotationSteps.stepOne());
        held.onlyKey(a);
        held.hold(Operation.PUT);
        await(firstStep.rotate(sid, SessionIds.newSid())); // finds nothing; once reported, fences B, then A
        HeldBackend.Held fenceOfA = held.next();
        held.stopHolding();
        assertThat(await(store.put(a, lateCreate, Precondition.absent()))).isInstanceOf(PutResult.Written.class);
        fenceOfA.release().run();
        await(firstStep.recover(sid, SecretRotationTests.VIEW, MountKind.FRESH)); // after the rotation's own work

        StashAdapter notYetRotated = engines.open(store, SecretRotationSteps.oldOnly());
        assertThat(await(notYetRotated.recover(sid, SecretRotationTests.VIEW, MountKind.REJOIN)).values())
                .as("state stashed before the login, served for the rotated-away id by a before-instance")
                .doesNotContainKey("x");
    }
}
