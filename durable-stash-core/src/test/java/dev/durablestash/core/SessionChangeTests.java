package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.requireFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MapStorageBackend.Operation;

/**
 * Contract rule 11: session id rotation (login) moves the state to the new id and removes it under
 * the old one; ending a browser session (logout) removes it. Both in arrival order, under deadlines,
 * with other instances writing, and during a secret rotation.
 */
class SessionChangeTests {

    static final ViewDefinition VIEW = ViewDefinition.builder("prefs").key("x", Integer.class).key("y", Integer.class)
            .build();
    static final ViewDefinition OTHER = ViewDefinition.builder("other").key("z", String.class).build();

    final MapStorageBackend store = new MapStorageBackend();
    @RegisterExtension
    final OpenEngines engines = new OpenEngines();
    final String sid = SessionIds.newSid();
    final String newSid = SessionIds.newSid();

    @Test
    void rotateKeepsEveryViewUnderTheNewSidAndRemovesTheOldKey() throws Exception {
        StashAdapter stash = engines.open(store, Engines.settings());
        await(stash.stash(sid, VIEW, Map.of("x", 1)));
        await(stash.stash(sid, OTHER, Map.of("z", "draft")));

        await(stash.rotate(sid, newSid));

        assertThat(store.keysWithState()).containsExactly(key(Engines.SECRET, newSid));
        assertThat(await(stash.recover(newSid, VIEW, MountKind.FRESH)).values()).containsExactly(Map.entry("x", 1));
        assertThat(await(stash.recover(newSid, OTHER, MountKind.FRESH)).values()).containsExactly(Map.entry("z", "draft"));
        assertThat(await(stash.recover(sid, VIEW, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
        // Another instance, cold, finds it too.
        assertThat(await(engines.open(store, Engines.settings()).recover(newSid, VIEW, MountKind.FRESH)).values())
                .containsExactly(Map.entry("x", 1));
    }

    /** A second instance that read the session before the rotation must not serve it under the old sid. */
    @Test
    void aWarmSecondInstanceFindsNothingUnderTheOldSidAfterTheRotation() throws Exception {
        StashAdapter first = engines.open(store, Engines.settings());
        StashAdapter second = engines.open(store, Engines.settings());
        await(first.stash(sid, VIEW, Map.of("x", 1)));
        assertThat(await(second.recover(sid, VIEW, MountKind.FRESH)).values()).containsExactly(Map.entry("x", 1));

        await(first.rotate(sid, newSid));

        assertThat(await(second.recover(sid, VIEW, MountKind.REJOIN)).values()).isEmpty();
        assertThat(await(second.recover(sid, VIEW, MountKind.FRESH)).values()).isEmpty();
        assertThat(store.keysWithState()).containsExactly(key(Engines.SECRET, newSid));
    }

    /** The empty document refuses a create of the old id that may still land (LateCreateAfterEndOrRotationTests). */
    @Test
    void rotatingASessionWithNothingStoredLeavesOnlyAnEmptyDocumentUnderTheOldId() throws Exception {
        StashAdapter stash = engines.open(store, Engines.settings());
        await(stash.rotate(sid, newSid));
        await(stash.recover(sid, VIEW, MountKind.FRESH)); // after what the rotation does once reported
        assertThat(store.keys()).containsExactly(key(Engines.SECRET, sid));
        assertThat(store.keysWithState()).isEmpty();
        assertThat(store.count(Operation.PUT)).as("the empty document's").isEqualTo(1);
    }

    @Test
    void rotateRefusesAnIdThatIsNotNew() {
        StashAdapter stash = engines.open(store, Engines.settings());
        assertThatIllegalArgumentException().isThrownBy(() -> stash.rotate(sid, sid));
        assertThatIllegalArgumentException().isThrownBy(() -> stash.rotate(sid, "attacker-chosen"));
    }

    /** A stash queued before the rotation moves with it; one queued after it stays with the old id. */
    @Test
    void rotateTakesItsPlaceInArrivalOrder() throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter stash = engines.open(held, Engines.settings());
        await(stash.stash(sid, VIEW, Map.of("x", 1)));
        held.hold(Operation.PUT);
        CompletionStage<Void> before = stash.stash(sid, VIEW, Map.of("y", 2));
        HeldBackend.Held firstPut = held.next();
        CompletionStage<Void> rotation = stash.rotate(sid, newSid);
        CompletionStage<Void> after = stash.stash(sid, VIEW, Map.of("x", 99));
        held.stopHolding();
        firstPut.release().run();
        await(before);
        await(rotation);
        await(after);

        assertThat(await(stash.recover(newSid, VIEW, MountKind.FRESH)).values())
                .containsOnly(Map.entry("x", 1), Map.entry("y", 2));
        assertThat(await(stash.recover(sid, VIEW, MountKind.FRESH)).values()).containsOnly(Map.entry("x", 99));
    }

    /** Another instance writes the old key between the copy and the removal: the copy is made again. */
    @Test
    void aWriteOfAnotherInstanceDuringTheRotationMovesWithIt() throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter rotating = engines.open(held, Engines.settings());
        StashAdapter other = engines.open(store, Engines.settings());
        await(rotating.stash(sid, VIEW, Map.of("x", 1)));
        held.hold(Operation.DELETE);
        CompletionStage<Void> rotation = rotating.rotate(sid, newSid);
        HeldBackend.Held delete = held.next(); // copied already, about to remove the old key
        await(other.stash(sid, VIEW, Map.of("y", 2))); // acknowledged before the rotation completes
        held.stopHolding();
        delete.release().run();
        await(rotation);

        assertThat(store.keysWithState()).containsExactly(key(Engines.SECRET, newSid));
        assertThat(await(other.recover(newSid, VIEW, MountKind.FRESH)).values())
                .containsOnly(Map.entry("x", 1), Map.entry("y", 2));
    }

    @Test
    void endRemovesEveryViewAndLaterOperationsSeeDefaults() throws Exception {
        StashAdapter stash = engines.open(store, Engines.settings());
        await(stash.stash(sid, VIEW, Map.of("x", 1)));
        await(stash.stash(sid, OTHER, Map.of("z", "draft")));

        await(stash.end(sid));

        assertThat(store.keysWithState()).isEmpty();
        assertThat(await(stash.recover(sid, VIEW, MountKind.REJOIN)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
        assertThat(await(stash.recover(sid, OTHER, MountKind.REJOIN)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
    }

    @Test
    void endOfASessionWithNothingStoredSucceedsAndLeavesOnlyAnEmptyDocument() throws Exception {
        StashAdapter stash = engines.open(store, Engines.settings());
        await(stash.end(sid));
        assertThat(store.keys()).containsExactly(key(Engines.SECRET, sid));
        assertThat(store.keysWithState()).isEmpty();
    }

    @Test
    void endRemovesStateAnotherInstanceWroteMeanwhile() throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter ending = engines.open(held, Engines.settings());
        StashAdapter other = engines.open(store, Engines.settings());
        await(ending.stash(sid, VIEW, Map.of("x", 1)));
        held.hold(Operation.DELETE);
        CompletionStage<Void> end = ending.end(sid);
        HeldBackend.Held delete = held.next();
        await(other.stash(sid, VIEW, Map.of("y", 2)));
        held.stopHolding();
        delete.release().run();
        await(end);

        assertThat(store.keysWithState()).isEmpty();
        assertThat(await(other.recover(sid, VIEW, MountKind.REJOIN)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
    }

    /** Secret rotation, step 2: state still under the previous secret's key moves to the new sid's current key. */
    @Test
    void rotateAndEndFindStateUnderAPreviousSecret() throws Exception {
        await(engines.open(store, SecretRotationSteps.oldOnly()).stash(sid, VIEW, Map.of("x", 1)));
        String secondSid = SessionIds.newSid();
        await(engines.open(store, SecretRotationSteps.oldOnly()).stash(secondSid, VIEW, Map.of("x", 2)));
        StashAdapter step2 = engines.open(store, SecretRotationSteps.stepTwo());

        await(step2.rotate(sid, newSid));
        await(step2.end(secondSid));
        await(step2.recover(sid, VIEW, MountKind.FRESH)); // after what the rotation does once reported

        assertThat(store.keysWithState()).containsExactly(key(SecretRotationTests.B, newSid));
        assertThat(store.keys()).as("and the empty documents under the current secret's keys of the old ids")
                .containsExactlyInAnyOrder(key(SecretRotationTests.B, newSid), key(SecretRotationTests.B, sid),
                        key(SecretRotationTests.B, secondSid));
        assertThat(await(step2.recover(newSid, VIEW, MountKind.FRESH)).values()).containsExactly(Map.entry("x", 1));
        // A first-step instance (current A, next B) finds it too.
        assertThat(await(engines.open(store, SecretRotationSteps.stepOne())
                .recover(newSid, VIEW, MountKind.FRESH)).values())
                .containsExactly(Map.entry("x", 1));
    }

    @Test
    void rotateAndEndFailAtTheOperationTimeoutWhenStorageNeverAnswers() throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter stash = engines.open(held, Engines.settings().operationTimeout(Duration.ofMillis(300)));
        held.hold(Operation.GET);
        assertThat(requireFailure(stash.rotate(sid, newSid))).isInstanceOf(StashTimeoutException.class);
        assertThat(requireFailure(stash.end(SessionIds.newSid()))).isInstanceOf(StashTimeoutException.class);
    }

    private static String key(String secret, String session) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "durable-stash/" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac.doFinal(session.getBytes(StandardCharsets.UTF_8)));
    }
}
