package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A turn closed inside the dependent action of a grant (which runs on the thread that handed the turn
 * on): the hand-on of that close is deferred until the grant returned, so a dependent action that then
 * waits (blocking) for the lane's turn again waits for itself.
 */
class ViewTurnCloseInsideAGrantTests {

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final Deadlines deadlines = new Deadlines(pool);
    private final ViewTurns turns = new ViewTurns(deadlines, Duration.ofSeconds(30));

    @AfterEach
    void close() {
        deadlines.close();
        pool.shutdownNow();
    }

    /**
     * The granted waiter does its work, closes its turn, and takes the lane's turn again to do more
     * (as the README's engine example does for each increment), all in the grant's dependent action.
     * Before the hand-on was deferred, the close freed the lane and the new turn came at once; now the
     * lane stays held by the closed turn until the action returns, which it never does before its wait
     * gives up (here 2 s; the engine's own wait is the operation timeout).
     */
    @Test
    void aGrantedWaiterThatClosesItsTurnAndWaitsForTheLaneAgainGetsItAtOnce() throws Exception {
        ViewTurn held = turns.acquire("lane", "v").toCompletableFuture().join();
        CompletableFuture<ViewTurn> second = turns.acquire("lane", "v").toCompletableFuture();
        CompletableFuture<String> outcome = new CompletableFuture<>();
        second.thenAccept(turn -> {
            turn.close();
            try {
                turns.acquire("lane", "v").toCompletableFuture().get(2, TimeUnit.SECONDS).close();
                outcome.complete("granted");
            } catch (TimeoutException e) {
                outcome.complete("waited out");
            } catch (Exception e) {
                outcome.completeExceptionally(e);
            }
        });

        held.close(); // grants the second waiter on this thread

        assertThat(outcome.get(5, TimeUnit.SECONDS)).isEqualTo("granted");
        assertThat(turns.heldLanes()).isZero();
    }

    /** The same across lanes: a dependent action that hands another lane's turn to a thread it then waits for. */
    @Test
    void aTurnOfAnotherLaneClosedInsideAGrantReachesItsNextWaiterAtOnce() throws Exception {
        ViewTurn first = turns.acquire("a", "v").toCompletableFuture().join();
        ViewTurn other = turns.acquire("b", "v").toCompletableFuture().join();
        CompletableFuture<ViewTurn> otherNext = turns.acquire("b", "v").toCompletableFuture();
        CompletableFuture<ViewTurn> second = turns.acquire("a", "v").toCompletableFuture();
        CompletableFuture<String> outcome = new CompletableFuture<>();
        second.thenAccept(turn -> {
            other.close(); // hands lane b on, to the thread waiting for it
            try {
                otherNext.get(2, TimeUnit.SECONDS).close();
                outcome.complete("granted");
            } catch (TimeoutException e) {
                outcome.complete("waited out");
            } catch (Exception e) {
                outcome.completeExceptionally(e);
            } finally {
                turn.close();
            }
        });

        first.close();

        assertThat(outcome.get(5, TimeUnit.SECONDS)).isEqualTo("granted");
        assertThat(turns.heldLanes()).isZero();
    }
}
