package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

/**
 * {@link WriteGate}: a write sent before a hold reaches the engine before the hold is in place (so a move sent
 * after the hold is queued behind it); one sent during the hold goes once the move landed, or fails with it when
 * its view is still on the sid the move was to leave.
 * Every wait is for a latch, never a fixed time.
 */
class WriteGateTests {

    /** A view still on the sid the moves leave. */
    private static final Supplier<String> ON_OLD = () -> "old";

    private final WriteGate gate = new WriteGate();
    private final List<String> sent = new CopyOnWriteArrayList<>();

    @Test
    void aWriteSentWithNoHoldGoesAtOnce() {
        CompletionStage<Void> outcome = gate.send(ON_OLD, write("stash"));

        assertThat(sent).containsExactly("stash");
        assertThat(outcome.toCompletableFuture()).isCompleted();
    }

    @Test
    void aWriteSentDuringAHoldGoesOnceTheMoveEnded() {
        CompletableFuture<Void> moved = new CompletableFuture<>();
        gate.holdUntil(moved, "old");

        CompletionStage<Void> outcome = gate.send(ON_OLD, write("stash"));
        assertThat(sent).as("held").isEmpty();
        assertThat(outcome.toCompletableFuture()).isNotDone();

        sent.add("move ended");
        moved.complete(null);
        assertThat(sent).containsExactly("move ended", "stash");
        assertThat(outcome.toCompletableFuture()).isCompleted();
    }

    @Test
    void aWriteHeldByAMoveThatFailedFailsWithItsErrorUnsent() {
        CompletableFuture<Void> moved = new CompletableFuture<>();
        gate.holdUntil(moved, "old");
        CompletionStage<Void> outcome = gate.send(ON_OLD, write("stash"));

        moved.completeExceptionally(new IllegalStateException("the move failed"));

        assertThat(sent).as("nothing sent to the sid the state did not leave").isEmpty();
        assertThat(outcome.toCompletableFuture()).isCompletedExceptionally();
        assertThatThrownBy(() -> outcome.toCompletableFuture().join()).hasRootCauseMessage("the move failed");
    }

    @Test
    void aWriteHeldByTwoMovesInTurnGoesOnceBothEnded() {
        CompletableFuture<Void> first = new CompletableFuture<>();
        CompletableFuture<Void> second = new CompletableFuture<>();
        gate.holdUntil(first, "old");
        CompletionStage<Void> outcome = gate.send(ON_OLD, write("stash"));
        gate.holdUntil(second, "old"); // another move started before the first ended

        first.complete(null);
        assertThat(sent).as("still held by the second move").isEmpty();
        second.complete(null);

        assertThat(sent).containsExactly("stash");
        assertThat(outcome.toCompletableFuture()).isCompleted();
    }

    /**
     * A write being sent (on another thread) when a move starts: the hold waits until the write reached the engine,
     * so the move, sent after the hold, is queued behind it. Without the lock the hold would return at once and
     * the move could reach the engine first.
     */
    @Test
    void aHoldWaitsForAWriteBeingSent() throws Exception {
        CountDownLatch sending = new CountDownLatch(1);
        CountDownLatch letItReachTheEngine = new CountDownLatch(1);
        Thread writer = new Thread(() -> gate.send(ON_OLD, () -> {
            sending.countDown();
            await(letItReachTheEngine);
            sent.add("stash");
            return CompletableFuture.completedFuture(null);
        }));
        writer.start();
        assertThat(sending.await(10, TimeUnit.SECONDS)).isTrue();

        CountDownLatch held = new CountDownLatch(1);
        Thread mover = new Thread(() -> {
            gate.holdUntil(new CompletableFuture<>(), "old");
            sent.add("move");
            held.countDown();
        });
        mover.start();
        awaitBlocked(mover);
        assertThat(held.getCount()).as("the hold waits while the write is being sent").isEqualTo(1);

        letItReachTheEngine.countDown();
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        writer.join(10_000);
        assertThat(sent).containsExactly("stash", "move");
    }

    /**
     * After a failed login move, a view bound under another sid (the session ended or was replaced since) writes:
     * only the views still on the sid the move was to leave are kept from it.
     */
    @Test
    void aFailedMoveFailsOnlyTheWritesOfViewsStillOnTheSidItWasToLeave() {
        CompletableFuture<Void> moved = new CompletableFuture<>();
        gate.holdUntil(moved, "old");
        CompletionStage<Void> heldOld = gate.send(ON_OLD, write("held on old"));
        CompletionStage<Void> heldNew = gate.send(() -> "new", write("held on new"));

        moved.completeExceptionally(new IllegalStateException("the move failed"));
        CompletionStage<Void> laterOld = gate.send(ON_OLD, write("later on old"));
        CompletionStage<Void> laterNew = gate.send(() -> "new", write("later on new"));

        assertThat(sent).containsExactly("held on new", "later on new");
        assertThat(heldOld.toCompletableFuture()).isCompletedExceptionally();
        assertThat(laterOld.toCompletableFuture()).isCompletedExceptionally();
        assertThat(heldNew.toCompletableFuture()).isCompleted();
        assertThat(laterNew.toCompletableFuture()).isCompleted();
        assertThatThrownBy(() -> laterOld.toCompletableFuture().join()).hasRootCauseMessage("the move failed");
    }

    private Supplier<CompletionStage<Void>> write(String name) {
        return () -> {
            sent.add(name);
            return CompletableFuture.completedFuture(null);
        };
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until {@code thread} is blocked on a monitor (the gate's lock). */
    private static void awaitBlocked(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (thread.getState() != Thread.State.BLOCKED && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(thread.getState()).as("the mover waits for the gate's lock").isEqualTo(Thread.State.BLOCKED);
    }
}
