package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.durablestash.core.GroupCommitTests.HeldPair;
import dev.durablestash.core.MapStorageBackend.Operation;

/**
 * The callers one write acknowledges are woken together: the thread that answers the write wakes them
 * in turn, and a caller that wakes while waiting for its stage wakes the next ones not yet woken.
 */
class CallerWakesTests {

    /**
     * A caller woken in {@code get} or {@code join} wakes up to {@link CallerFuture#HELP_LIMIT} of the
     * next callers not yet woken before it returns. Deterministic: the test collects the answers of
     * six callers, wakes only the first itself, and nothing else wakes any.
     */
    @ParameterizedTest
    @ValueSource(strings = { "join", "get", "timed get" })
    void aCallerWokenInGetOrJoinWakesTheNextCallersUpToTheLimit(String waitingWith) throws Exception {
        int callers = CallerFuture.HELP_LIMIT + 2;
        List<CallerFuture<String>> stages = new ArrayList<>();
        Map<Integer, Thread> answeredBy = new java.util.concurrent.ConcurrentHashMap<>();
        for (int i = 0; i < callers; i++) {
            CallerFuture<String> stage = new CallerFuture<>();
            int index = i;
            if (i > 0) { // the first one's continuation runs on the test's thread or its waiter's, whichever takes it
                stage.whenComplete((value, error) -> answeredBy.put(index, Thread.currentThread()));
            }
            stages.add(stage);
        }
        CallerFuture.Wakes wakes = new CallerFuture.Wakes();
        wakes.gather(() -> stages.forEach(stage -> stage.answer("written")));
        assertThat(stages).noneMatch(CompletableFuture::isDone);

        AtomicReference<String> firstGot = new AtomicReference<>();
        Thread firstCaller = new Thread(() -> firstGot.set(waitFor(stages.get(0), waitingWith)), "first-caller");
        firstCaller.start();
        awaitWaiting(firstCaller);
        wakes.wake(1);
        firstCaller.join(10_000);

        assertThat(firstGot).hasValue("written");
        Map<Integer, Thread> expected = new HashMap<>();
        for (int i = 1; i <= CallerFuture.HELP_LIMIT; i++) {
            expected.put(i, firstCaller);
        }
        assertThat(answeredBy).as("who answered each caller").isEqualTo(expected);
        assertThat(stages.get(callers - 1)).as("beyond the limit").isNotDone();
        wakes.wake(Integer.MAX_VALUE);
        assertThat(stages.get(callers - 1)).isCompletedWithValue("written");
        assertThat(answeredBy).containsEntry(callers - 1, Thread.currentThread());
    }

    /** Outside a collection (an operation answered alone), a caller is answered at once. */
    @Test
    void aCallerAnsweredOutsideACollectionIsAnsweredAtOnce() {
        CallerFuture<String> stage = new CallerFuture<>();
        stage.answer("now");
        assertThat(stage).isCompletedWithValue("now");
    }

    /**
     * A caller whose wait ends while its write's callers are still being collected (its timed get gave
     * up, its own code cancelled it) wakes nobody: they are not all known yet. They are woken after.
     */
    @Test
    void aCallerWhoseWaitEndsBeforeItsWritesCallersAreCollectedWakesNobody() {
        CallerFuture<String> first = new CallerFuture<>();
        CallerFuture<String> second = new CallerFuture<>();
        CallerFuture<String> third = new CallerFuture<>();
        CallerFuture.Wakes wakes = new CallerFuture.Wakes();
        wakes.gather(() -> {
            first.answer("a");
            second.answer("b");
            assertThatThrownBy(() -> first.get(1, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            assertThat(second.cancel(false)).isTrue();
            assertThatThrownBy(second::join).isInstanceOf(CancellationException.class);
            third.answer("c");
        });
        assertThat(first).as("not woken by anyone yet").isNotDone();
        assertThat(third).as("not woken by anyone yet").isNotDone();
        wakes.wake(Integer.MAX_VALUE);
        assertThat(first).isCompletedWithValue("a");
        assertThat(second).isCancelled();
        assertThat(third).isCompletedWithValue("c");
    }

    /**
     * The callers of a write of several stashes are woken once all its stashes ended: a continuation
     * of the first caller's stage finds both counted as acknowledged. Deterministic (a held write).
     */
    @Test
    void theCallersOfAWriteAreWokenOnceAllItsStashesEnded() throws Exception {
        withTwoStashesHeldInOnePut((adapter, backend, sid, view, pair) -> {
            CompletableFuture<Long> acknowledgedWhenFirstAnswered = pair.first().toCompletableFuture()
                    .thenApply(ignored -> adapter.statistics().acknowledged());
            pair.write().release().run();
            assertThat(await(acknowledgedWhenFirstAnswered)).as("the first write's stash and both of the second")
                    .isEqualTo(3);
            await(pair.second());
        });
    }

    /** Callers that chain on their stages instead of waiting are all answered by the answering thread. */
    @Test
    void callersThatDoNotWaitAreAnsweredByTheThreadThatAnswersTheWrite() throws Exception {
        withTwoStashesHeldInOnePut((adapter, backend, sid, view, pair) -> {
            List<Thread> answeredBy = java.util.Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Void> both = CompletableFuture.allOf(
                    pair.first().thenRun(() -> answeredBy.add(Thread.currentThread())).toCompletableFuture(),
                    pair.second().thenRun(() -> answeredBy.add(Thread.currentThread())).toCompletableFuture());
            Thread answering = new Thread(pair.write().release(), "answering");
            answering.start();
            await(both);
            answering.join(10_000);
            assertThat(answeredBy).containsExactly(answering, answering);
        });
    }

    /**
     * A caller that cancels its own stage before its write is answered changes nothing for the other
     * callers of that write, nor for what is stored and counted.
     */
    @Test
    void aCallerThatCancelsItsOwnStageLeavesTheOthersOfItsWriteAnswered() throws Exception {
        withTwoStashesHeldInOnePut((adapter, backend, sid, view, pair) -> {
            CompletableFuture<Void> first = pair.first().toCompletableFuture();
            assertThat(first.cancel(false)).isTrue();
            pair.write().release().run();
            await(pair.second());
            assertThat(first).isCancelled();
            backend.stopHolding();
            Recovery recovery = await(adapter.recover(sid, view, MountKind.REJOIN));
            assertThat(recovery.values()).containsEntry("k0", 1L).containsEntry("k1", 2L);
            assertThat(adapter.statistics().acknowledged()).as("the first write and both stashes of the second")
                    .isEqualTo(3);
        });
    }

    /**
     * Randomized: 16 threads stash into one session through a slow store, each waiting for its stage
     * in a way picked at random (join, get, timed get, a chained continuation, or not at all after
     * cancelling its own stage), 50 times each. Every stash ends, every acknowledged value is stored,
     * and the engine counts each stash once.
     */
    @Test
    void everyCallerIsAnsweredHoweverItWaits() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        ViewDefinition view = ConcurrentStashTests.view(16);
        String sid = SessionIds.newSid();
        int threads = 16;
        int rounds = 50;
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().build())) {
            await(adapter.recover(sid, view, MountKind.FRESH));
            store.setLatency(Operation.PUT, Duration.ofMillis(1));
            AtomicInteger waitedOut = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> workers = new ArrayList<>();
            Map<String, Long> last = new java.util.concurrent.ConcurrentHashMap<>();
            for (int t = 0; t < threads; t++) {
                String key = "k" + t;
                workers.add(new Thread(() -> {
                    try {
                        for (long i = 1; i <= rounds; i++) {
                            CompletableFuture<Void> stage = adapter.stash(sid, view, Map.of(key, i)).toCompletableFuture();
                            switch (ThreadLocalRandom.current().nextInt(5)) {
                                case 0 -> stage.join();
                                case 1 -> stage.get();
                                case 2 -> stage.get(30, TimeUnit.SECONDS);
                                case 3 -> stage.thenRun(waitedOut::incrementAndGet).get(30, TimeUnit.SECONDS);
                                default -> {
                                    if (stage.cancel(false)) {
                                        waitedOut.incrementAndGet();
                                    }
                                    try {
                                        stage.join();
                                    } catch (CancellationException expected) {
                                        // its own copy only: the stash goes on
                                    }
                                }
                            }
                            last.put(key, i);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "stasher-" + t));
            }
            workers.forEach(Thread::start);
            for (Thread worker : workers) {
                worker.join(60_000);
                assertThat(worker.isAlive()).as(worker.getName() + " finished").isFalse();
            }
            assertThat(failure.get()).isNull();
            store.setLatency(Operation.PUT, Duration.ZERO);
            // A cancelled stage's stash may still be in flight: one more stash of each key, waited for, comes after it.
            Map<String, Long> expected = new HashMap<>();
            for (int t = 0; t < threads; t++) {
                await(adapter.stash(sid, view, Map.of("k" + t, (long) rounds + 1)));
                expected.put("k" + t, (long) rounds + 1);
            }
            assertThat(await(adapter.recover(sid, view, MountKind.REJOIN)).values()).containsAllEntriesOf(expected);
            StashStatistics statistics = adapter.statistics();
            assertThat(statistics.acknowledged() + statistics.failed())
                    .as("each stash counted once: the recover's none, the %d stashes and the %d after them",
                            threads * rounds, threads)
                    .isEqualTo((long) threads * rounds + threads);
            assertThat(statistics.failed()).isZero();
            assertThat(last).hasSize(threads);
            assertThat(waitedOut).as("rounds that did not wait in get or join").hasPositiveValue();
        }
    }

    /** What a test of a held write of two callers' stashes works with (see {@link GroupCommitTests#holdTwoStashesInOnePut}). */
    @FunctionalInterface
    private interface HeldWriteTest {
        void run(StashAdapter adapter, HeldBackend backend, String sid, ViewDefinition view, HeldPair pair) throws Exception;
    }

    private static void withTwoStashesHeldInOnePut(HeldWriteTest test) throws Exception {
        HeldBackend backend = new HeldBackend(new MapStorageBackend());
        ViewDefinition view = ConcurrentStashTests.view(2);
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            test.run(adapter, backend, sid, view, GroupCommitTests.holdTwoStashesInOnePut(adapter, backend, sid, view));
        }
    }

    private static <T> T waitFor(CompletableFuture<T> stage, String waitingWith) {
        try {
            return switch (waitingWith) {
                case "join" -> stage.join();
                case "get" -> stage.get();
                default -> stage.get(30, TimeUnit.SECONDS);
            };
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void awaitWaiting(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (thread.getState() != Thread.State.WAITING && thread.getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime()).as(thread.getName() + " waiting").isLessThan(deadline);
            Thread.sleep(1);
        }
    }
}
