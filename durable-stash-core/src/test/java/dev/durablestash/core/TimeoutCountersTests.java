package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.requireFailure;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.durablestash.core.MapStorageBackend.Operation;

/**
 * A stash whose caller was failed at the operation deadline (503) is not "acknowledged" in the
 * engine's statistics (durable.stash.stashes{result=acknowledged}), even when its write lands a little
 * later: the caller was told it failed, so it counts as failed.
 */
class TimeoutCountersTests {

    static final Duration DEADLINE = Duration.ofSeconds(3);
    static final ViewDefinition COUNTER = ViewDefinition.builder("counter").key("count", int.class).build();

    final MapStorageBackend store = new MapStorageBackend();
    final HeldBackend backend = new HeldBackend(store);
    final StashAdapter adapter = new StashAdapter(backend, Engines.settings().operationTimeout(DEADLINE).build());
    final String sid = SessionIds.newSid();

    @AfterEach
    void close() {
        adapter.close();
    }

    @Test
    void aStashWhoseCallerTimedOutIsCountedAsFailedNotAcknowledged() throws Exception {
        try (StashAdapter earlier = new StashAdapter(store, Engines.settings().build())) {
            await(earlier.stash(sid, COUNTER, Map.of("count", 0))); // stored; this test's engine is cold
        }
        backend.onlyKey(store.keys().iterator().next());
        backend.hold(Operation.GET, Operation.PUT);
        StashStatistics before = adapter.statistics();

        CompletionStage<Void> stash = adapter.stash(sid, COUNTER, Map.of("count", 1));
        HeldBackend.Held get = backend.next(); // the cold actor's GET
        Thread.sleep(DEADLINE.toMillis() * 3 / 5); // the PUT starts well after the stash did
        get.release().run();
        assertThat(stash.toCompletableFuture()).as("not failed before its PUT").isNotDone();
        HeldBackend.Held put = backend.next();

        assertThat(requireFailure(stash)).as("the caller is failed at its deadline (HTTP 503)")
                .isInstanceOf(StashTimeoutException.class);
        put.release().run(); // answers before the PUT's own deadline: the write lands
        backend.stopHolding();
        assertThat(await(adapter.recover(sid, COUNTER, MountKind.REJOIN)).values()).containsEntry("count", 1);

        StashStatistics after = adapter.statistics();
        assertThat(after.failed() - before.failed()).as("stashes whose caller saw a failure").isEqualTo(1);
        assertThat(after.acknowledged() - before.acknowledged()).as("stashes acknowledged to their caller")
                .isEqualTo(0);
    }
}
