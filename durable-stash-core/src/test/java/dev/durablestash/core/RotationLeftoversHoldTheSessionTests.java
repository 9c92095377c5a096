package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MapStorageBackend.Operation;
import dev.durablestash.testsupport.Stages;

/**
 * A rotation is reported before the actor looks at the old id's keys again (a load, then removing what it
 * finds and fencing the id). Retired meanwhile (idle, or over a cap), the actor is not done before that
 * look is: its successor for the same session waits, so there is one writer per session, and the look
 * never removes a stash the successor acknowledged after the rotation (a tab's request with the old
 * cookie, still in flight at login).
 */
class RotationLeftoversHoldTheSessionTests {

    static final ViewDefinition VIEW = ViewDefinition.builder("v").key("x", Integer.class).key("y", Integer.class)
            .build();

    final MapStorageBackend store = new MapStorageBackend();
    final HeldBackend held = new HeldBackend(store);
    @RegisterExtension
    final OpenEngines engines = new OpenEngines();
    final StashAdapter engine = engines.open(held, Engines.settings().actorIdleTimeout(Duration.ofMillis(100)));
    final String sid = SessionIds.newSid();
    final String newSid = SessionIds.newSid();

    @Test
    void aSuccessorOfTheRetiredActorWaitsForTheLookAtTheOldIdAndKeepsItsStash() throws Exception {
        await(engine.stash(sid, VIEW, Map.of("x", 1)));
        held.onlyKey(EncryptionAtRestTests.key(Engines.SECRET, sid));
        held.hold(Operation.GET);
        CompletionStage<Void> rotation = engine.rotate(sid, newSid);
        held.next().release().run(); // the rotation's own load
        await(rotation); // reported: the state is under the new id
        HeldBackend.Held leftoverLoad = held.next(); // the look at the old id's keys, held
        held.stopHolding();
        Stages.awaitUntil("the actor retired as idle", () -> engine.statistics().evictions() > 0);

        CompletionStage<Void> stashOnTheOldId = engine.stash(sid, VIEW, Map.of("y", 2)); // a successor's
        Thread.sleep(200);
        assertThat(stashOnTheOldId.toCompletableFuture().isDone())
                .as("the successor's stash, while the retired actor still looks at the old id").isFalse();
        leftoverLoad.release().run();
        await(stashOnTheOldId);

        Recovery read = await(engines.open(store, Engines.settings()).recover(sid, VIEW, MountKind.REJOIN));
        assertThat(read.values()).as("the old id, after the look and the successor's acknowledged stash")
                .containsOnly(Map.entry("y", 2));
        assertThat(await(engines.open(store, Engines.settings()).recover(newSid, VIEW, MountKind.REJOIN)).values())
                .as("the new id").containsOnly(Map.entry("x", 1));
    }
}
