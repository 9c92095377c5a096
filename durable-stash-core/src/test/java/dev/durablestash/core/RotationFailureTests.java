package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
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
    private static final Duration TIMEOUT = Duration.ofMillis(300);

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
        held.hold(Operation.PUT);
        CompletionStage<Void> first = stash.stash(sid, VIEW, Map.of("x", 2)); // keeps the actor busy
        HeldBackend.Held firstPut = held.next();
        CompletionStage<Void> rotation = stash.rotate(sid, newSid); // its deadline runs from now
        Thread.sleep(TIMEOUT.toMillis() - 100);
        firstPut.release().run(); // the rotation starts, its copy to the new key is held
        HeldBackend.Held copy = held.next();
        assertThat(failureOf(rotation)).isInstanceOf(StashTimeoutException.class);
        held.stopHolding();
        copy.release().run(); // within the copy's own timeout: the copy succeeds after the caller was answered

        await(first);
        assertThat(await(stash.recover(sid, VIEW, MountKind.FRESH)).values()).containsEntry("x", 2);
    }

    @Test
    void aRotationWhoseCallerTimedOutWhileTheOldObjectWasRemovedPutsTheStateBack() throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter stash = engines.open(held, Engines.settings().operationTimeout(TIMEOUT));
        await(stash.stash(sid, VIEW, Map.of("x", 1)));
        held.hold(Operation.PUT);
        CompletionStage<Void> first = stash.stash(sid, VIEW, Map.of("x", 2)); // keeps the actor busy
        HeldBackend.Held firstPut = held.next();
        held.stopHolding();
        held.hold(Operation.DELETE);
        CompletionStage<Void> rotation = stash.rotate(sid, newSid); // its deadline runs from now
        Thread.sleep(TIMEOUT.toMillis() - 100);
        firstPut.release().run(); // the rotation starts: it copies, then its removal is held
        HeldBackend.Held delete = held.next();
        assertThat(failureOf(rotation)).isInstanceOf(StashTimeoutException.class);
        held.stopHolding();
        delete.release().run(); // within the delete's own timeout: removed after the caller was answered

        await(first);
        assertThat(await(stash.recover(sid, VIEW, MountKind.FRESH)).values()).containsEntry("x", 2);
    }

    @Test
    void anEndSucceedsWithASingleWriteAttempt() throws Exception {
        StashAdapter stash = engines.open(store, Engines.settings().maxWriteAttempts(1));
        await(stash.stash(sid, VIEW, Map.of("x", 1)));

        assertThat(failureOf(stash.end(sid))).isNull();
        assertThat(store.keys()).isEmpty();
    }
}
