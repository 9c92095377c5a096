package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MapStorageBackend.Operation;

/**
 * A session whose views were all reset is stored as a document without views. An end that finds such a
 * document removes nothing (a late create meets it), but a stash that got no answer in time before the end
 * sent its PUT with If-Match on that very version: had nothing changed the version (before, such an end wrote
 * nothing), it would land after the end, and the ended session would serve the stash's state. The end writes
 * the document again, so that PUT fails. README: "It stays empty when a stash ... that failed or got no answer
 * in time before the change lands after it, sent by this instance or another".
 */
class LateWriteAfterEndOnAnEmptyDocumentFailsTests {

    static final ViewDefinition V1 = ViewDefinition.builder("v1").key("a", Long.class).build();
    static final ViewDefinition V2 = ViewDefinition.builder("v2").key("e", Long.class).build();

    @RegisterExtension
    final OpenEngines engines = new OpenEngines();

    @Test
    void aStashThatTimedOutBeforeAnEndOnAnotherInstanceNeverLandsAfterIt() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        HeldBackend slowForA = new HeldBackend(store);
        StashAdapter a = engines.open(slowForA, Engines.settings().operationTimeout(Duration.ofMillis(200)));
        StashAdapter b = engines.open(store, Engines.settings());
        String sid = SessionIds.newSid();

        await(b.stash(sid, V1, Map.of("a", 1L)));
        await(b.reset(sid, V1)); // stored: a document without views

        slowForA.hold(Operation.PUT);
        Throwable timedOut = failureOf(a.stash(sid, V2, Map.of("e", 42L)));
        assertThat(timedOut).isInstanceOf(StashTimeoutException.class); // the caller was told it failed
        HeldBackend.Held late = slowForA.next(); // its PUT, If-Match on the empty document's version

        await(b.end(sid)); // acknowledged: the session is ended

        slowForA.stopHolding();
        late.release().run(); // the late PUT reaches the store only now

        Recovery afterEnd = await(b.recover(sid, V2, MountKind.REJOIN));
        assertThat(afterEnd.values()).as("the ended session: %s", afterEnd).isEmpty();
    }

    @Test
    void theSameOnOneInstance() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        HeldBackend slow = new HeldBackend(store);
        StashAdapter a = engines.open(slow, Engines.settings().operationTimeout(Duration.ofMillis(200)));
        String sid = SessionIds.newSid();

        await(a.stash(sid, V1, Map.of("a", 1L)));
        await(a.reset(sid, V1));

        slow.hold(Operation.PUT);
        assertThat(failureOf(a.stash(sid, V2, Map.of("e", 42L)))).isInstanceOf(StashTimeoutException.class);
        HeldBackend.Held late = slow.next();
        slow.stopHolding();
        Thread.sleep(300); // the actor's storage call is past its own deadline too

        await(a.end(sid));
        late.release().run();

        StashAdapter fresh = engines.open(store, Engines.settings());
        Recovery afterEnd = await(fresh.recover(sid, V2, MountKind.REJOIN));
        assertThat(afterEnd.values()).as("the ended session: %s", afterEnd).isEmpty();
    }
}
