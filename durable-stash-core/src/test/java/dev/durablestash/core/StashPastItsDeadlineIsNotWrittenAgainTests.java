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
 * A stash (or reset) whose write met a conflict is retried by the actor (reload, re-apply, write
 * again). Should its caller's deadline pass meanwhile, the caller is told it failed, so the retry
 * must not write it: it would land over a stash another instance acknowledged after that failure
 * (README: "A stash whose write failed is not retried later", "a late write can never undo a newer
 * one"). Stashes of other callers merged into the same batch are still written. The same holds
 * for a batch's first write, after a read. Storage calls are held and released by hand: A's read is
 * released, within its own storage deadline, only after the caller's deadline answered it.
 */
class StashPastItsDeadlineIsNotWrittenAgainTests {

    static final ViewDefinition VIEW = ViewDefinition.builder("v").key("k", Long.class).key("j", Long.class)
            .key("m", Long.class).build();

    @RegisterExtension
    final OpenEngines engines = new OpenEngines();

    @Test
    void aStashReportedFailedAtItsDeadlineIsNotWrittenOverALaterAcknowledgedOne() throws Exception {
        notWrittenOverALaterAcknowledgedStash((a, sid) -> a.stash(sid, VIEW, Map.of("k", 1L)));
    }

    @Test
    void aResetReportedFailedAtItsDeadlineIsNotWrittenOverALaterAcknowledgedStash() throws Exception {
        notWrittenOverALaterAcknowledgedStash((a, sid) -> a.reset(sid, VIEW));
    }

    private void notWrittenOverALaterAcknowledgedStash(Change change) throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        HeldBackend heldForA = new HeldBackend(store);
        StashAdapter a = engines.open(heldForA, Engines.settings().operationTimeout(Duration.ofMillis(1000))
                .retryBackoff(Duration.ZERO, Duration.ZERO));
        StashAdapter b = engines.open(store, Engines.settings());
        String sid = SessionIds.newSid();

        await(b.stash(sid, VIEW, Map.of("k", 0L)));
        assertThat(await(a.recover(sid, VIEW, MountKind.REJOIN)).status()) // A caches this version
                .isEqualTo(RecoveryStatus.RECOVERED);

        heldForA.hold(Operation.PUT, Operation.GET);
        CompletionStage<Void> failing = change.on(a, sid); // A's PUT, on the cached version, is held
        HeldBackend.Held firstPut = heldForA.next();
        await(b.stash(sid, VIEW, Map.of("j", 5L))); // so A's PUT meets a conflict
        Thread.sleep(500);
        firstPut.release().run(); // conflict: A reloads; that GET is held
        HeldBackend.Held reload = heldForA.next();

        assertThat(failureOf(failing)).isInstanceOf(StashTimeoutException.class); // the caller: failed
        await(b.stash(sid, VIEW, Map.of("k", 2L))); // acknowledged after that failure

        heldForA.stopHolding();
        reload.release().run(); // within the GET's own deadline: the retry must not write A's change
        await(a.recover(sid, VIEW, MountKind.REJOIN)); // queued behind the retry: it has ended

        Recovery after = await(b.recover(sid, VIEW, MountKind.REJOIN));
        assertThat(after.values()).as("after the acknowledged k=2 (%s)", after)
                .containsEntry("k", 2L).containsEntry("j", 5L);
    }

    @Test
    void theOtherStashesOfTheBatchAreStillWritten() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        HeldBackend heldForA = new HeldBackend(store);
        StashAdapter a = engines.open(heldForA, Engines.settings().operationTimeout(Duration.ofMillis(2000))
                .retryBackoff(Duration.ZERO, Duration.ZERO));
        StashAdapter b = engines.open(store, Engines.settings());
        String sid = SessionIds.newSid();

        await(b.stash(sid, VIEW, Map.of("k", 0L)));
        assertThat(await(a.recover(sid, VIEW, MountKind.REJOIN)).status()).isEqualTo(RecoveryStatus.RECOVERED);

        heldForA.hold(Operation.PUT, Operation.GET);
        CompletionStage<Void> first = a.stash(sid, VIEW, Map.of("k", 1L)); // its PUT is held
        HeldBackend.Held firstPut = heldForA.next();
        CompletionStage<Void> expiring = a.stash(sid, VIEW, Map.of("j", 1L)); // queued behind it
        Thread.sleep(1000);
        CompletionStage<Void> kept = a.stash(sid, VIEW, Map.of("m", 1L)); // queued too, its deadline 1 s later
        firstPut.release().run();
        await(first);
        HeldBackend.Held batchPut = heldForA.next(); // j=1 and m=1 in one write, held
        await(b.stash(sid, VIEW, Map.of("k", 5L))); // so it meets a conflict
        batchPut.release().run(); // A reloads; that GET is held
        HeldBackend.Held reload = heldForA.next();

        assertThat(failureOf(expiring)).isInstanceOf(StashTimeoutException.class);
        assertThat(kept.toCompletableFuture()).isNotDone();
        heldForA.stopHolding();
        reload.release().run(); // the retry writes m=1 alone

        await(kept);
        Recovery after = await(b.recover(sid, VIEW, MountKind.REJOIN));
        assertThat(after.values()).as("%s", after).containsEntry("k", 5L).containsEntry("m", 1L)
                .doesNotContainKey("j");
    }

    @Test
    void aStashWhoseDeadlinePassedWhileItsBatchWasReadIsNotWritten() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        HeldBackend heldForA = new HeldBackend(store);
        StashAdapter a = engines.open(heldForA, Engines.settings().operationTimeout(Duration.ofMillis(1000)));
        StashAdapter b = engines.open(store, Engines.settings());
        String sid = SessionIds.newSid();
        await(b.stash(sid, VIEW, Map.of("k", 0L)));

        heldForA.hold(Operation.GET);
        CompletionStage<Recovery> recover = a.recover(sid, VIEW, MountKind.REJOIN); // its GET gets no answer
        HeldBackend.Held unanswered = heldForA.next();
        Thread.sleep(500);
        CompletionStage<Void> failing = a.stash(sid, VIEW, Map.of("k", 1L)); // queued behind the recover
        // The recover's GET times out, so A has nothing cached: the stash's batch reads first, and that GET
        // outlives the stash's deadline, which passes half a second before the GET's own.
        HeldBackend.Held read = heldForA.next();
        assertThat(await(recover).status()).isEqualTo(RecoveryStatus.ERROR);
        assertThat(failureOf(failing)).isInstanceOf(StashTimeoutException.class);
        await(b.stash(sid, VIEW, Map.of("k", 2L))); // acknowledged after that failure

        heldForA.stopHolding();
        read.release().run(); // within the GET's own deadline: A must not write k=1 now
        await(a.recover(sid, VIEW, MountKind.REJOIN)); // queued behind the stash's batch: it has ended
        unanswered.release().run(); // a late answer: dropped

        Recovery after = await(b.recover(sid, VIEW, MountKind.REJOIN));
        assertThat(after.values()).as("after the acknowledged k=2 (%s)", after).containsEntry("k", 2L);
    }

    @FunctionalInterface
    private interface Change {
        CompletionStage<Void> on(StashAdapter adapter, String sid);
    }
}
