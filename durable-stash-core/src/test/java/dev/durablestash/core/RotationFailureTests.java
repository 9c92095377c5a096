package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MapStorageBackend.Operation;

/**
 * A rotation whose caller is told it failed keeps the browser on the old session id, so the state must
 * stay (or be put back) under the old id; one told it succeeded moves the browser, so the state must be
 * under the new id. Whatever fails or comes late, the acknowledged state is under the id the caller ends
 * up with. Also: an end that removed everything succeeds whatever its number of attempts.
 */
class RotationFailureTests {

    private static final ViewDefinition VIEW = ViewDefinition.builder("prefs").key("x", Integer.class).build();
    private static final ViewDefinition OTHER = ViewDefinition.builder("other").key("y", Integer.class).build();
    private static final String SECRET_A = "rotation-secret-A-0123456789abcdef0123456789";
    private static final String SECRET_B = "rotation-secret-B-0123456789abcdef0123456789";
    /** Long enough that each window a test must hit below (half a second or more) survives a slow machine. */
    private static final Duration TIMEOUT = Duration.ofMillis(1500);

    private final MapStorageBackend store = new MapStorageBackend();
    @RegisterExtension
    final OpenEngines engines = new OpenEngines();
    private final String sid = SessionIds.newSid();
    private final String newSid = SessionIds.newSid();

    /** The state under the session id the caller keeps: the new one after a success, the old one after a failure. */
    private Map<String, Object> stateTheCallerKeeps(StashAdapter stash, CompletionStage<Void> rotation) throws Exception {
        Throwable failure = failureOf(rotation);
        return await(stash.recover(failure == null ? newSid : sid, VIEW, MountKind.FRESH)).values();
    }

    /** A stash whose write is held while a rotation queues behind it, and the rotation's held call. */
    private record TimedOutRotation(CompletionStage<Void> first, HeldBackend.Held held) {
    }

    /**
     * Keeps the actor busy with a held stash of x=2 while a rotation queues behind it (its deadline runs
     * from then), starts the rotation shortly before that deadline, holds the rotation's first call of
     * {@code operation} and lets the deadline answer its caller.
     *
     * @return the busy stash, and the rotation's held call, to release within that call's own timeout
     */
    private TimedOutRotation rotationTimedOutHolding(HeldBackend held, StashAdapter stash, Operation operation)
            throws Exception {
        held.hold(Operation.PUT);
        CompletionStage<Void> first = stash.stash(sid, VIEW, Map.of("x", 2));
        HeldBackend.Held firstPut = held.next();
        held.stopHolding();
        held.hold(operation);
        CompletionStage<Void> rotation = stash.rotate(sid, newSid);
        Thread.sleep(TIMEOUT.toMillis() - 500);
        firstPut.release().run();
        HeldBackend.Held call = held.next();
        assertThat(failureOf(rotation)).isInstanceOf(StashTimeoutException.class);
        held.stopHolding();
        return new TimedOutRotation(first, call);
    }

    @Test
    void aRemovalOfTheOldObjectWhoseAnswerIsLostEndsWithTheStateUnderTheIdTheCallerKeeps() throws Exception {
        StashAdapter stash = engines.open(store, Engines.settings());
        await(stash.stash(sid, VIEW, Map.of("x", 1)));
        store.setLostResponseRate(Operation.DELETE, 1.0); // the delete is applied, its answer lost
        CompletionStage<Void> rotation = stash.rotate(sid, newSid);
        failureOf(rotation);
        store.clearFaults();

        assertThat(failureOf(rotation)).as("the removal happened: the rotation stands").isNull();
        assertThat(stateTheCallerKeeps(stash, rotation)).containsEntry("x", 1);
    }

    @Test
    void aRemovalOfTheOldObjectThatFailsWithoutBeingAppliedLeavesTheStateUnderTheOldId() throws Exception {
        StashAdapter stash = engines.open(store, Engines.settings());
        await(stash.stash(sid, VIEW, Map.of("x", 1)));
        store.setFailureRate(Operation.DELETE, 1.0);
        CompletionStage<Void> rotation = stash.rotate(sid, newSid);
        Throwable failure = failureOf(rotation);
        store.clearFaults();

        assertThat(failure).isInstanceOf(StashWriteException.class);
        assertThat(await(stash.recover(sid, VIEW, MountKind.FRESH)).values()).containsEntry("x", 1);
    }

    @Test
    void aRemovalThatGetsNoAnswerInTimeAndLandsLateLeavesTheStateUnderTheOldId() throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter stash = engines.open(held, Engines.settings().operationTimeout(TIMEOUT));
        await(stash.stash(sid, VIEW, Map.of("x", 1)));
        held.hold(Operation.DELETE);
        CompletionStage<Void> rotation = stash.rotate(sid, newSid);
        HeldBackend.Held delete = held.next();
        assertThat(failureOf(rotation)).isInstanceOf(StashTimeoutException.class);
        held.stopHolding();
        Thread.sleep(TIMEOUT.toMillis() + 200); // the delete's own timeout passed: the actor settled it
        delete.release().run(); // the delete lands late, on the version it was sent for

        assertThat(await(stash.recover(sid, VIEW, MountKind.FRESH)).values()).containsEntry("x", 1);
    }

    @Test
    void aRotationWhoseCallerTimedOutBeforeTheRemovalDoesNotRemoveTheOldObject() throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter stash = engines.open(held, Engines.settings().operationTimeout(TIMEOUT));
        await(stash.stash(sid, VIEW, Map.of("x", 1)));
        TimedOutRotation rotation = rotationTimedOutHolding(held, stash, Operation.PUT); // its copy to the new key
        rotation.held().release().run(); // the copy succeeds after the caller was answered

        await(rotation.first());
        assertThat(await(stash.recover(sid, VIEW, MountKind.FRESH)).values()).containsEntry("x", 2);
    }

    @Test
    void aRotationWhoseCallerTimedOutWhileTheOldObjectWasRemovedPutsTheStateBack() throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter stash = engines.open(held, Engines.settings().operationTimeout(TIMEOUT));
        await(stash.stash(sid, VIEW, Map.of("x", 1)));
        TimedOutRotation rotation = rotationTimedOutHolding(held, stash, Operation.DELETE);
        rotation.held().release().run(); // removed after the caller was answered

        await(rotation.first());
        assertThat(await(stash.recover(sid, VIEW, MountKind.FRESH)).values()).containsEntry("x", 2);
    }

    @Test
    void anEndSucceedsWithASingleWriteAttempt() throws Exception {
        StashAdapter stash = engines.open(store, Engines.settings().maxWriteAttempts(1));
        await(stash.stash(sid, VIEW, Map.of("x", 1)));

        assertThat(failureOf(stash.end(sid))).isNull();
        assertThat(store.keysWithState()).isEmpty();
    }

    /** A rotation whose removal of the old object was applied with its answer lost, and its held write-back. */
    private record LostRemoval(CompletionStage<Void> rotation, HeldBackend.Held writeBack) {
    }

    /**
     * Rotates with the old object's removal applied and its answer lost, and holds the write-back over the
     * removed version that settles it; afterwards no fault is set and no further call is held.
     */
    private LostRemoval rotationWithALostRemovalAnswer(HeldBackend held, StashAdapter stash) throws Exception {
        store.setLostResponseRate(Operation.DELETE, 1.0);
        held.hold(Operation.PUT);
        CompletionStage<Void> rotation = stash.rotate(sid, newSid);
        held.next().release().run(); // the copy to the new key
        HeldBackend.Held writeBack = held.next();
        held.stopHolding();
        store.clearFaults();
        return new LostRemoval(rotation, writeBack);
    }

    @Test
    void aRemovalWhoseAnswerIsLostAndWhoseWriteBackFailsEndsWithTheStateUnderTheIdTheCallerKeeps() throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter stash = engines.open(held, Engines.settings());
        await(stash.stash(sid, VIEW, Map.of("x", 1)));
        LostRemoval lost = rotationWithALostRemovalAnswer(held, stash);
        store.failNext(Operation.PUT, 1);
        lost.writeBack().release().run(); // fails, not applied

        assertThat(stateTheCallerKeeps(stash, lost.rotation())).containsEntry("x", 1);
    }

    @Test
    void aRemovalWhoseAnswerIsLostAndWhoseSettlingLoadFailsOnceEndsWithTheStateUnderTheIdTheCallerKeeps()
            throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter stash = engines.open(held, Engines.settings());
        await(stash.stash(sid, VIEW, Map.of("x", 1)));
        LostRemoval lost = rotationWithALostRemovalAnswer(held, stash);
        store.failNext(Operation.GET, 1); // the load that settles the removal
        lost.writeBack().release().run(); // refused: the old version is gone

        assertThat(stateTheCallerKeeps(stash, lost.rotation())).containsEntry("x", 1);
    }

    /**
     * Two faults at once: the removal's answer is lost and another instance creates a new document under the
     * old id before the removal is settled. The rotation cannot tell that from a write that came before its
     * removal: it fails (the caller keeps the old id, which has what the other instance wrote) and forwards
     * nothing to the new id; what was under the old id before is left only in the unreachable copy.
     */
    @Test
    void aRemovalWhoseAnswerIsLostWhileAnotherInstanceWritesTheSessionFailsAndForwardsNothing() throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter a = engines.open(held, Engines.settings());
        StashAdapter b = engines.open(store, Engines.settings());
        await(a.stash(sid, VIEW, Map.of("x", 1)));
        LostRemoval lost = rotationWithALostRemovalAnswer(held, a); // the copy {x:1} is under the new key
        await(b.stash(sid, OTHER, Map.of("y", 2))); // the other instance finds the old id empty
        lost.writeBack().release().run(); // refused

        assertThat(failureOf(lost.rotation())).isInstanceOf(StashWriteException.class);
        assertThat(await(a.recover(sid, OTHER, MountKind.FRESH)).values()).containsEntry("y", 2);
        assertThat(await(b.recover(newSid, OTHER, MountKind.FRESH)).values()).as("nothing forwarded").isEmpty();
    }

    @Test
    void aWriteBackAfterTheDeadlineThatFailsOnceIsTriedAgain() throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter stash = engines.open(held, Engines.settings().operationTimeout(TIMEOUT));
        await(stash.stash(sid, VIEW, Map.of("x", 1)));
        TimedOutRotation rotation = rotationTimedOutHolding(held, stash, Operation.DELETE);
        store.failNext(Operation.PUT, 1); // the first write-back fails
        rotation.held().release().run();

        await(rotation.first());
        assertThat(await(stash.recover(sid, VIEW, MountKind.FRESH)).values()).containsEntry("x", 2);
    }

    @Test
    void anEndWhoseRemovalsAnswerIsLostSucceedsWhenNothingIsLeft() throws Exception {
        StashAdapter stash = engines.open(store, Engines.settings());
        await(stash.stash(sid, VIEW, Map.of("x", 1)));
        store.setLostResponseRate(Operation.DELETE, 1.0);

        assertThat(failureOf(stash.end(sid))).isNull();
        assertThat(store.keysWithState()).isEmpty();
    }

    /** A move marker left under the previous secret's key (its removal failed): two objects, no conflict. */
    @Test
    void anEndThatRemovesTwoObjectsSucceedsWithASingleWriteAttempt() throws Exception {
        StashAdapter before = engines.open(store, StashSettings.builder().secret(SECRET_A));
        await(before.stash(sid, VIEW, Map.of("x", 1)));
        StashAdapter after = engines.open(store, StashSettings.builder().secret(SECRET_B)
                .previousSecrets(List.of(SECRET_A)).maxWriteAttempts(1));
        store.failNext(Operation.DELETE, 1); // the marker's removal fails: it stays
        await(after.stash(sid, VIEW, Map.of("x", 2)));
        assertThat(store.keys()).hasSize(2);

        assertThat(failureOf(after.end(sid))).isNull();
        assertThat(store.keysWithState()).isEmpty();
    }
}
