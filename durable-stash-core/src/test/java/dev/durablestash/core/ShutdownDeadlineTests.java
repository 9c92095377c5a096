package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;

import org.junit.jupiter.api.Test;

import dev.durablestash.core.MapStorageBackend.Operation;

/**
 * The application stops while a storage call hangs: the adapter is closed, then its pool is shut down
 * (the order in which Spring destroys the StashAdapter and the durableStashExecutor bean it depends on).
 * StashAdapter.close() promises that operations in flight still end, at the latest at their deadline,
 * and SerialRunner already keeps working on a shut-down pool; the deadlines must too.
 */
class ShutdownDeadlineTests {

    static final Duration DEADLINE = Duration.ofMillis(500);
    static final ViewDefinition COUNTER = ViewDefinition.builder("counter").key("count", int.class).build();

    @Test
    void aStashWhosePutHangsStillFailsAtItsDeadlineAfterThePoolWasShutDown() throws Exception {
        ExecutorService pool = EngineExecutor.newPool();
        HeldBackend backend = new HeldBackend(new MapStorageBackend());
        StashAdapter adapter = new StashAdapter(backend,
                Engines.settings().operationTimeout(DEADLINE).executor(pool).build());
        backend.hold(Operation.PUT);

        CompletionStage<Void> hung = adapter.stash(SessionIds.newSid(), COUNTER, Map.of("count", 1));
        backend.next(); // the PUT is in flight and never answers

        adapter.close();
        pool.shutdown();

        assertThat(hung.toCompletableFuture()).as("failed at its deadline, not left waiting forever")
                .failsWithin(DEADLINE.plusSeconds(5))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(StashTimeoutException.class);
    }

    /**
     * Spring closes the adapter while the application shuts down; a request that reaches the engine
     * after that (an async dispatch, a scheduled task) must be refused, never written by an engine
     * that no longer keeps track of its sessions, nor half-served.
     */
    @Test
    void operationsThatArriveAfterCloseAreRefusedAndNothingIsWritten() throws Exception {
        MapStorageBackend backend = new MapStorageBackend();
        StashAdapter adapter = new StashAdapter(backend, Engines.settings().operationTimeout(DEADLINE).build());
        String sid = SessionIds.newSid();
        adapter.stash(sid, COUNTER, Map.of("count", 1)).toCompletableFuture().get();
        int storedBefore = backend.keys().size();
        adapter.close();

        assertThat(adapter.stash(sid, COUNTER, Map.of("count", 2)).toCompletableFuture())
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(StashWriteException.class)
                .withMessageContaining("closed");
        assertThat(adapter.end(sid).toCompletableFuture()).failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(StashWriteException.class);
        Recovery recovery = adapter.recover(sid, COUNTER, dev.durablestash.core.MountKind.REJOIN)
                .toCompletableFuture().get();
        assertThat(recovery.status()).isEqualTo(RecoveryStatus.ERROR);
        assertThat(backend.keys()).hasSize(storedBefore);
        assertThat(adapter.statistics().failed()).isEqualTo(1);
    }
}
