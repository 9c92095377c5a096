package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.requireFailure;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Contract rule 15 at the engine: a session's turns at a view are exclusive, first come first served, bounded. */
class ViewTurnTests {

    static final Duration DEADLINE = Duration.ofMillis(400);
    static final ViewDefinition COUNTER = ViewDefinition.builder("counter").key("count", int.class).build();
    static final ViewDefinition COMPOSE = ViewDefinition.builder("compose").key("draft", String.class).build();

    final MapStorageBackend store = new MapStorageBackend();
    /** The default deadline: a turn waited for here is never failed by a slow machine. */
    final StashAdapter adapter = new StashAdapter(store, Engines.settings().build());
    /** Fails a wait for a turn soon, for the test of that. */
    final StashAdapter hasty = new StashAdapter(store, Engines.settings().operationTimeout(DEADLINE).build());
    final String sid = SessionIds.newSid();

    @AfterEach
    void close() {
        adapter.close();
        hasty.close();
    }

    @Test
    void turnsOfOneSessionAndViewAreGrantedOneAtATimeInTheOrderAskedFor() throws Exception {
        ViewTurn first = await(adapter.turn(sid, COUNTER));
        CompletableFuture<ViewTurn> second = adapter.turn(sid, COUNTER).toCompletableFuture();
        CompletableFuture<ViewTurn> third = adapter.turn(sid, COUNTER).toCompletableFuture();
        assertThat(second).isNotDone();
        assertThat(third).isNotDone();

        first.close();
        await(second);
        assertThat(third).isNotDone();
        first.close(); // a second close hands nothing on
        assertThat(third).isNotDone();

        second.join().close();
        await(third).close();
        await(adapter.turn(sid, COUNTER)).close(); // the lane is free again
    }

    @Test
    @SuppressWarnings("try") // the turn is held by the try block, not used in it
    void otherViewsOfTheSessionAndOtherSessionsAreNotHeldUp() throws Exception {
        try (ViewTurn held = await(adapter.turn(sid, COUNTER))) {
            await(adapter.turn(sid, COMPOSE), Duration.ofSeconds(5)).close();
            await(adapter.turn(SessionIds.newSid(), COUNTER), Duration.ofSeconds(5)).close();
            // and the engine's operations are not held up by a turn either
            await(adapter.stash(sid, COUNTER, Map.of("count", 1)), Duration.ofSeconds(5));
        }
    }

    @Test
    void aWaitForATurnFailsAtTheDeadlineAndLeavesTheLane() throws Exception {
        ViewTurn held = await(hasty.turn(sid, COUNTER));
        long started = System.nanoTime();
        CompletionStage<ViewTurn> waiting = hasty.turn(sid, COUNTER);
        assertThat(requireFailure(waiting)).isInstanceOf(StashTimeoutException.class)
                .hasMessageContaining("counter").hasMessageContaining("operation-timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(DEADLINE.minusMillis(50), DEADLINE.plusSeconds(3));

        CompletableFuture<ViewTurn> next = hasty.turn(sid, COUNTER).toCompletableFuture();
        held.close(); // skips the waiter that gave up, grants the one still waiting
        await(next).close();
    }

    /** 100 concurrent read-modify-writes of one session's counter, each in its turn: none is lost. */
    @Test
    @SuppressWarnings("try") // each turn is held by its try block, not used in it
    void readModifyWritesInTurnLoseNoUpdate() throws Exception {
        ExecutorService requests = Executors.newFixedThreadPool(16);
        try (StashAdapter patient = new StashAdapter(store, Engines.settings().build())) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                done.add(requests.submit(() -> {
                    try (ViewTurn turn = await(patient.turn(sid, COUNTER))) {
                        Integer count = await(patient.recover(sid, COUNTER, MountKind.REJOIN)).get("count");
                        await(patient.stash(sid, COUNTER, Map.of("count", (count == null ? 0 : count) + 1)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            assertThat(await(patient.recover(sid, COUNTER, MountKind.FRESH)).<Integer>get("count")).isEqualTo(100);
        } finally {
            requests.shutdownNow();
        }
    }

    /**
     * A caller that stops waiting for a turn before the engine's deadline (a bound of its own) and cancels
     * the stage's future gives the wait up: the turn goes to the next caller, not to nobody. Before, the
     * engine's own future stayed behind a copy, the turn was granted to the cancelled wait and never
     * closed, and every later turn of the session's view waited out the operation timeout.
     */
    @Test
    void aWaitCancelledByItsCallerIsSkippedWhenTheTurnIsHandedOn() throws Exception {
        ViewTurn held = await(adapter.turn(sid, COUNTER));
        CompletableFuture<ViewTurn> impatient = adapter.turn(sid, COUNTER).toCompletableFuture();
        assertThat(impatient.cancel(true)).isTrue();
        held.close();

        assertThat(adapter.turn(sid, COUNTER).toCompletableFuture())
                .as("the next turn, the default deadline being 10 s").succeedsWithin(Duration.ofSeconds(2))
                .satisfies(ViewTurn::close);
    }

    /** The same for a caller whose own bound completed the future it waits on ({@code orTimeout}). */
    @Test
    void aWaitCompletedByItsCallersOwnBoundIsSkippedWhenTheTurnIsHandedOn() throws Exception {
        ViewTurn held = await(adapter.turn(sid, COUNTER));
        CompletableFuture<ViewTurn> bounded = adapter.turn(sid, COUNTER).toCompletableFuture()
                .orTimeout(50, java.util.concurrent.TimeUnit.MILLISECONDS);
        assertThat(bounded).failsWithin(Duration.ofSeconds(2));
        held.close();

        assertThat(adapter.turn(sid, COUNTER).toCompletableFuture())
                .as("the next turn, the default deadline being 10 s").succeedsWithin(Duration.ofSeconds(2))
                .satisfies(ViewTurn::close);
    }
}
