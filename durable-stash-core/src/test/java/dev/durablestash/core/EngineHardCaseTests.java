package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MapStorageBackend.Operation;

/**
 * Hard cases of the engine, each once a defect: a session id rotation that left state under
 * the old id, a migration write-back that undid a write acknowledged meanwhile, a migrator's error that
 * failed another view's stash, and a reset acknowledged without a write that a late write undid.
 */
class EngineHardCaseTests {

    static final String A = "rotation-secret-A-0123456789abcdefghij";
    static final String B = "rotation-secret-B-0123456789abcdefghij";
    static final ViewDefinition VIEW = ViewDefinition.builder("v").key("x", Integer.class).key("k", Integer.class).build();

    final MapStorageBackend store = new MapStorageBackend();
    @RegisterExtension
    final OpenEngines engines = new OpenEngines();
    final String sid = SessionIds.newSid();

    /**
     * A secret-rotation move whose marker delete failed (logged as harmless: "a marker left behind only
     * points to the newer key, and expires"), then a session id rotation (login): the old sid is empty
     * afterwards (the marker's content came back under it).
     */
    @Test
    void aSidRotationAlsoRemovesAMoveMarkerLeftUnderAnOlderKey() throws Exception {
        await(engines.open(store, StashSettings.builder().secret(A)).stash(sid, VIEW, Map.of("x", 1)));
        StashAdapter upgraded = engines.open(store, StashSettings.builder().secret(B).previousSecrets(List.of(A)));
        store.failNext(Operation.DELETE, 1); // the marker's delete after the move fails: only logged
        await(upgraded.stash(sid, VIEW, Map.of("k", 2)));
        assertThat(store.keys()).contains(EncryptionAtRestTests.key(A, sid), EncryptionAtRestTests.key(B, sid)); // marker left under A

        String newSid = SessionIds.newSid();
        await(upgraded.rotate(sid, newSid));
        assertThat(await(upgraded.recover(newSid, VIEW, MountKind.FRESH)).values()).containsEntry("x", 1)
                .containsEntry("k", 2);

        Recovery old = await(upgraded.recover(sid, VIEW, MountKind.FRESH));
        assertThat(old.status()).as("the old sid after a completed rotation (values %s; keys %s)", old.values(),
                store.keys()).isEqualTo(RecoveryStatus.NOT_FOUND);
    }


    /**
     * Rolling deploy: an instance of the new release (vsn 2, migrator) recovers a vsn-1 slice and writes the
     * migrated slice back; an instance of the old release (vsn 1) stashes meanwhile and is acknowledged. The
     * write-back meets a conflict, reloads, and re-applies: it migrates the slice stored now (it re-applied the
     * slice migrated from the older read, which overwrote the old instance's acknowledged write).
     */
    @Test
    void aMigrationWriteBackRetriedAfterAConflictKeepsAWriteAcknowledgedMeanwhile() throws Exception {
        ViewDefinition v1 = ViewDefinition.builder("m").key("a", Integer.class).build();
        ViewDefinition v2 = ViewDefinition.builder("m").vsn(2).key("a", Integer.class)
                .migrator((storedVsn, data) -> data).build();
        StashAdapter oldRelease = engines.open(store, Engines.settings());
        HeldBackend held = new HeldBackend(store);
        StashAdapter newRelease = engines.open(held, Engines.settings());
        await(oldRelease.stash(sid, v1, Map.of("a", 1)));

        held.hold(Operation.PUT);
        assertThat(await(newRelease.recover(sid, v2, MountKind.REJOIN)).values()).containsEntry("a", 1);
        HeldBackend.Held writeBack = held.next(); // the migrated slice's write-back, based on the read of a=1
        held.stopHolding();

        await(oldRelease.stash(sid, v1, Map.of("a", 2))); // acknowledged: durable
        writeBack.release().run(); // 412: reload, re-apply, write

        Recovery after = await(newRelease.recover(sid, v2, MountKind.REJOIN)); // queued behind the write-back
        String stored = new String(store.read(EncryptionAtRestTests.key(Engines.SECRET, sid)).orElseThrow(), StandardCharsets.UTF_8);
        assertThat(after.values()).as("the old release's acknowledged a=2, migrated; stored: %s", stored)
                .containsEntry("a", 2);
    }

    /**
     * One view's migrator that fails with something other than a RuntimeException (an AssertionError from an
     * {@code assert}, a sneaky checked exception) drops only its own view's stale slice, as one throwing a
     * RuntimeException does (the stashes of other views written in the same batch failed with it).
     */
    @Test
    void aMigratorThrowingAnErrorFailsNoOtherViewsStashInTheSameBatch() throws Exception {
        ViewDefinition oldX = ViewDefinition.builder("x").key("a", Integer.class).build();
        ViewDefinition newX = ViewDefinition.builder("x").vsn(2).key("a", Integer.class)
                .migrator((storedVsn, data) -> {
                    throw new AssertionError("migrator bug");
                }).build();
        ViewDefinition y = ViewDefinition.builder("y").key("b", Integer.class).build();
        await(engines.open(store, Engines.settings()).stash(sid, oldX, Map.of("a", 1)));
        HeldBackend held = new HeldBackend(store);
        StashAdapter engine = engines.open(held, Engines.settings());
        await(engine.stash(sid, y, Map.of("b", 0))); // warm
        held.hold(Operation.PUT);
        java.util.concurrent.CompletionStage<Void> first = engine.stash(sid, y, Map.of("b", 1));
        HeldBackend.Held put = held.next();
        held.stopHolding();
        java.util.concurrent.CompletionStage<Void> ofX = engine.stash(sid, newX, Map.of("a", 5));
        java.util.concurrent.CompletionStage<Void> ofY = engine.stash(sid, y, Map.of("b", 2));
        put.release().run();
        await(first);
        Throwable failureOfX = dev.durablestash.testsupport.Stages.failureOf(ofX);
        Throwable failureOfY = dev.durablestash.testsupport.Stages.failureOf(ofY);
        assertThat(failureOfY).as("view y's stash, batched with view x's (x failed with: %s)", failureOfX).isNull();
    }

    /**
     * Single-instance mode (revalidation off): a stash whose PUT gets no answer in time fails, and lands
     * late. A reset in between finds "nothing stored": it writes anyway, so the late PUT (If-None-Match: *) is
     * refused (acknowledged without a write, the reset, the later operation, was undone by it).
     */
    @Test
    void aResetAfterAWriteThatMayStillLandWritesSoTheLateWriteIsRefused() throws Exception {
        resetBetweenAFailedStashAndItsLateWriteStands(false);
    }

    /**
     * The same once the actor that saw the write fail was retired (over the cap of live actors, here 1):
     * its successor for the session does not take "nothing stored" as settled either while that write may
     * still land (it did, when the actor alone remembered it).
     */
    @Test
    void aResetByASuccessorActorAfterAWriteThatMayStillLandWritesToo() throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter engine = engines.open(held, Engines.settings().revalidateOnMount(false).maxLiveActors(1)
                .operationTimeout(java.time.Duration.ofMillis(300)));
        held.hold(Operation.PUT);
        assertThat(dev.durablestash.testsupport.Stages.failureOf(engine.stash(sid, VIEW, Map.of("x", 1))))
                .as("the stash whose PUT got no answer in time").isNotNull();
        HeldBackend.Held latePut = held.next();
        held.stopHolding();
        await(engine.recover(SessionIds.newSid(), VIEW, MountKind.FRESH)); // another session: this actor is retired
        assertThat(engine.statistics().evictions()).as("actors retired").isPositive();

        await(engine.reset(sid, VIEW));
        latePut.release().run();

        Recovery after = await(engines.open(store, Engines.settings()).recover(sid, VIEW, MountKind.FRESH));
        assertThat(after.status()).as("recover after an acknowledged reset (values %s)", after.values())
                .isEqualTo(RecoveryStatus.NOT_FOUND);
    }

    /**
     * A rotation whose removal succeeded is reported then: the loads that look for objects left under the
     * old id's keys come after (when they ran first, a slow one spent the caller's deadline, and the
     * rotation, a login, failed with its state put back under the old id).
     */
    @Test
    void aRotationIsReportedOnceItsRemovalSucceededWhateverTheLoadsAfterItTake() throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter engine = engines.open(held, Engines.settings().operationTimeout(java.time.Duration.ofMillis(500)));
        await(engine.stash(sid, VIEW, Map.of("x", 1)));
        held.hold(Operation.DELETE);
        java.util.concurrent.CompletionStage<Void> rotation = engine.rotate(sid, SessionIds.newSid());
        HeldBackend.Held delete = held.next();
        held.stopHolding();
        held.hold(Operation.GET); // storage gets slow after the removal
        delete.release().run();
        Throwable failure = dev.durablestash.testsupport.Stages.failureOf(rotation);
        held.stopHolding();
        assertThat(failure).as("the rotation whose removal succeeded (keys now %s)", store.keys()).isNull();
    }

    /** The same with revalidation on (several instances): the reset writes, and the late write is refused. */
    @Test
    void withRevalidationTheResetWritesAndTheLateWriteIsRefused() throws Exception {
        resetBetweenAFailedStashAndItsLateWriteStands(true);
    }

    private void resetBetweenAFailedStashAndItsLateWriteStands(boolean revalidateOnMount) throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter engine = engines.open(held, Engines.settings().revalidateOnMount(revalidateOnMount)
                .operationTimeout(java.time.Duration.ofMillis(300)));
        held.hold(Operation.PUT);
        Throwable failed = dev.durablestash.testsupport.Stages.failureOf(engine.stash(sid, VIEW, Map.of("x", 1)));
        assertThat(failed).as("the stash whose PUT got no answer in time").isNotNull();
        HeldBackend.Held latePut = held.next();
        held.stopHolding();

        await(engine.reset(sid, VIEW)); // acknowledged: the view is empty from now on
        latePut.release().run(); // the earlier stash's PUT lands late

        Recovery after = await(engines.open(store, Engines.settings()).recover(sid, VIEW, MountKind.FRESH));
        assertThat(after.status()).as("recover after an acknowledged reset (values %s)", after.values())
                .isEqualTo(RecoveryStatus.NOT_FOUND);
    }

    /** The same left-over marker, then an end: the end loads again and removes it too. */
    @Test
    void anEndAfterALeftOverMoveMarkerLeavesNothing() throws Exception {
        await(engines.open(store, StashSettings.builder().secret(A)).stash(sid, VIEW, Map.of("x", 1)));
        StashAdapter upgraded = engines.open(store, StashSettings.builder().secret(B).previousSecrets(List.of(A)));
        store.failNext(Operation.DELETE, 1);
        await(upgraded.stash(sid, VIEW, Map.of("k", 2)));
        assertThat(store.keys()).contains(EncryptionAtRestTests.key(A, sid), EncryptionAtRestTests.key(B, sid));
        await(upgraded.end(sid));
        assertThat(await(upgraded.recover(sid, VIEW, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
    }
}
