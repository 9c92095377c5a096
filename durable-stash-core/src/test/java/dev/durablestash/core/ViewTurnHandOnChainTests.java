package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Hand-on of a lane's turn under abandoned waits and cancels racing the grant. */
class ViewTurnHandOnChainTests {

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final Deadlines deadlines = new Deadlines(pool);
    private final ViewTurns turns = new ViewTurns(deadlines, Duration.ofSeconds(30));

    @AfterEach
    void close() {
        deadlines.close();
        pool.shutdownNow();
    }

    @Test
    void abandonedWaitsClosedOnGrantAllHandTheTurnOnAndFreeTheLane() throws Exception {
        ViewTurn held = turns.acquire("lane", "v").toCompletableFuture().join();
        List<CompletableFuture<ViewTurn>> waits = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            CompletableFuture<ViewTurn> wait = turns.acquire("lane", "v").toCompletableFuture();
            wait.thenAccept(ViewTurn::close); // the documented way to give up a wait without completing it
            waits.add(wait);
        }
        Thread closer = new Thread(held::close); // a thread with the platform's default stack
        closer.start();
        closer.join();

        assertThat(waits).allMatch(CompletableFuture::isDone);
        assertThat(turns.acquire("lane", "v").toCompletableFuture().get(2, TimeUnit.SECONDS)).isNotNull();
    }

    @Test
    void aCancelRacingTheHandOnEitherGivesTheWaitUpOrGetsTheTurnNeverBoth() throws Exception {
        for (int i = 0; i < 500; i++) {
            ViewTurn held = turns.acquire("l", "v").toCompletableFuture().join();
            CompletableFuture<ViewTurn> first = turns.acquire("l", "v").toCompletableFuture();
            CompletableFuture<ViewTurn> second = turns.acquire("l", "v").toCompletableFuture();
            CountDownLatch go = new CountDownLatch(1);
            boolean[] cancelled = new boolean[1];
            Thread canceller = new Thread(() -> {
                awaitQuietly(go);
                cancelled[0] = first.cancel(false);
            });
            Thread closer = new Thread(() -> {
                awaitQuietly(go);
                held.close();
            });
            canceller.start();
            closer.start();
            go.countDown();
            canceller.join();
            closer.join();
            if (!cancelled[0]) { // granted meanwhile: the caller holds it and must close it
                assertThat(second).isNotDone();
                first.join().close();
            }
            second.get(2, TimeUnit.SECONDS).close();
            assertThat(turns.heldLanes()).isZero();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
