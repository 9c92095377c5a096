package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.requireFailure;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.durablestash.core.MapStorageBackend.Operation;
import dev.durablestash.testsupport.MutableClock;

/**
 * Contract rule 14: no operation waits forever. A storage call that never answers fails its caller
 * at the deadline, the session's later operations proceed, other sessions are never held up, and a
 * late answer is handled like a lost one.
 */
class DeadlineTests {

    static final Duration DEADLINE = Duration.ofSeconds(1);
    /** Generous: the point is "bounded", not "fast"; a hung call would take forever. */
    static final Duration MARGIN = Duration.ofSeconds(3);

    static final ViewDefinition COUNTER = ViewDefinition.builder("counter").key("count", int.class).build();

    final MapStorageBackend store = new MapStorageBackend();
    final HeldBackend backend = new HeldBackend(store);
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final StashAdapter adapter = new StashAdapter(backend, Engines.settings().operationTimeout(DEADLINE).clock(clock).build());
    final String sid = SessionIds.newSid();
    final String other = SessionIds.newSid();

    @AfterEach
    void close() {
        adapter.close();
    }

    /** Writes once so the session's storage key is known, then holds that key's calls only. */
    private void holdOnlyThisSession(Operation... operations) throws Exception {
        await(adapter.stash(sid, COUNTER, Map.of("count", 0)));
        assertThat(store.keys()).hasSize(1);
        backend.onlyKey(store.keys().iterator().next());
        backend.hold(operations);
    }

    @Test
    void aStashWhosePutNeverAnswersFailsAtTheDeadlineAndTheSessionGoesOn() throws Exception {
        holdOnlyThisSession(Operation.PUT);

        long started = System.nanoTime();
        CompletionStage<Void> hung = adapter.stash(sid, COUNTER, Map.of("count", 1));
        HeldBackend.Held lostPut = backend.next();

        // Another session is not held up while this one's write hangs.
        await(adapter.stash(other, COUNTER, Map.of("count", 42)), Duration.ofSeconds(5));
        assertThat(hung.toCompletableFuture().isDone()).isFalse();

        Throwable failure = requireFailure(hung);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(DEADLINE.plus(MARGIN));
        // Whichever deadline fires first (the caller's or the storage call's), the caller is told why.
        assertThat(failure).isInstanceOf(StashTimeoutException.class).hasMessageContaining("operation-timeout");

        // The store answers again: the session's next operations succeed.
        backend.stopHolding();
        await(adapter.stash(sid, COUNTER, Map.of("count", 2)), Duration.ofSeconds(5));
        // The lost PUT arrives late, based on the version it read: it cannot undo the newer write.
        lostPut.release().run();
        assertThat(await(adapter.recover(sid, COUNTER, MountKind.FRESH)).values()).containsEntry("count", 2);
        assertThat(await(adapter.recover(other, COUNTER, MountKind.FRESH)).values()).containsEntry("count", 42);
    }

    @Test
    void aRecoverWhoseGetNeverAnswersReportsAnErrorAtTheDeadline() throws Exception {
        holdOnlyThisSession(Operation.GET);

        long started = System.nanoTime();
        CompletionStage<Recovery> hung = adapter.recover(sid, COUNTER, MountKind.FRESH);
        HeldBackend.Held lostGet = backend.next();
        assertThat(await(adapter.recover(other, COUNTER, MountKind.FRESH), Duration.ofSeconds(5)).status())
                .isEqualTo(RecoveryStatus.NOT_FOUND);

        Recovery recovery = await(hung, DEADLINE.plus(MARGIN));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(DEADLINE.plus(MARGIN));
        assertThat(recovery.status()).isEqualTo(RecoveryStatus.ERROR);

        backend.stopHolding();
        assertThat(await(adapter.recover(sid, COUNTER, MountKind.FRESH), Duration.ofSeconds(5)).values())
                .containsEntry("count", 0);
        lostGet.release().run(); // a late answer that nobody is waiting for any more
        await(adapter.stash(sid, COUNTER, Map.of("count", 3)), Duration.ofSeconds(5));
        assertThat(await(adapter.recover(sid, COUNTER, MountKind.FRESH)).values()).containsEntry("count", 3);
    }

    @Test
    void anExpiryDeleteThatNeverAnswersFailsTheRecoverAtTheDeadline() throws Exception {
        holdOnlyThisSession(Operation.DELETE);
        clock.advance(Duration.ofDays(8)); // the stored document is past its TTL: a recover deletes it

        long started = System.nanoTime();
        Recovery recovery = await(adapter.recover(sid, COUNTER, MountKind.FRESH), DEADLINE.plus(MARGIN));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(DEADLINE.plus(MARGIN));
        assertThat(recovery.status()).isEqualTo(RecoveryStatus.ERROR);
        HeldBackend.Held lostDelete = backend.next();

        backend.stopHolding();
        assertThat(await(adapter.recover(sid, COUNTER, MountKind.FRESH), Duration.ofSeconds(5)).status())
                .isEqualTo(RecoveryStatus.NOT_FOUND);
        lostDelete.release().run();
        await(adapter.stash(sid, COUNTER, Map.of("count", 5)), Duration.ofSeconds(5));
        assertThat(await(adapter.recover(sid, COUNTER, MountKind.FRESH)).values()).containsEntry("count", 5);
    }

    /**
     * A caller's deadline counts from its own call, whatever its operation waits for. A stash waits in
     * the queue behind a write the test holds for two thirds of a deadline; its own write, sent once that
     * one was answered, hangs: its caller is answered at its own deadline, not at its write's, two thirds
     * of a deadline later.
     */
    @Test
    void aStashQueuedBehindAWriteIsAnsweredAtItsOwnDeadlineNotItsWritesLaterOne() throws Exception {
        Duration deadline = Duration.ofSeconds(3);
        Duration held = deadline.multipliedBy(2).dividedBy(3);
        try (StashAdapter slow = new StashAdapter(backend, Engines.settings().operationTimeout(deadline).build())) {
            await(slow.stash(sid, COUNTER, Map.of("count", 0)));
            backend.hold(Operation.PUT);
            CompletionStage<Void> first = slow.stash(sid, COUNTER, Map.of("count", 1));
            HeldBackend.Held firstWrite = backend.next();
            long secondCalled = System.nanoTime();
            CompletionStage<Void> second = slow.stash(sid, COUNTER, Map.of("count", 2));
            Thread.sleep(held.toMillis());
            firstWrite.release().run();
            await(first);
            backend.next(); // the second write, sent once the first was answered, never answered

            Throwable failure = requireFailure(second);
            Duration waited = Duration.ofNanos(System.nanoTime() - secondCalled);
            assertThat(failure).isInstanceOf(StashTimeoutException.class).hasMessageContaining("operation-timeout");
            // Its write's deadline would answer it two thirds of a deadline later: half of that is the slack.
            assertThat(waited).isGreaterThanOrEqualTo(deadline).isLessThan(deadline.plus(held.dividedBy(2)));
            backend.stopHolding();
            await(slow.stash(sid, COUNTER, Map.of("count", 3)));
            assertThat(await(slow.recover(sid, COUNTER, MountKind.FRESH)).values()).containsEntry("count", 3);
        }
    }
}
