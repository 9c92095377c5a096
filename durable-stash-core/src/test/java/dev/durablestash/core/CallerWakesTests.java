package dev.durablestash.core;

import static dev.durablestash.core.CallerFutureTests.awaitWaiting;
import static dev.durablestash.core.CallerFutureTests.startWaiting;
import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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
     * The threads that wait for the callers of one write are unparked once the write's callers are all
     * answered, and each that wakes unparks others. Deterministic: the test answers ten callers, each
     * waited for by a thread of its own, inside a collection, then unparks the first waiter only:
     * nothing else unparks the other nine.
     */
    @ParameterizedTest
    @ValueSource(strings = { "join", "get", "timed get" })
    void waitersOfOneWriteAreUnparkedTogetherHelpedByThoseThatWake(String waitingWith) throws Exception {
        int callers = 10;
        List<CallerFuture<String>> stages = new ArrayList<>();
        List<Thread> waiters = new ArrayList<>();
        Map<Integer, String> got = new java.util.concurrent.ConcurrentHashMap<>();
        for (int i = 0; i < callers; i++) {
            CallerFuture<String> stage = new CallerFuture<>();
            int index = i;
            stages.add(stage);
            waiters.add(new Thread(() -> got.put(index, waitFor(stage, waitingWith)), "waiter-" + i));
        }
        waiters.forEach(Thread::start);
        for (Thread waiter : waiters) {
            awaitWaiting(waiter);
        }
        CallerFuture.Wakes wakes = new CallerFuture.Wakes();
        wakes.gather(() -> {
            for (int i = 0; i < callers; i++) {
                stages.get(i).complete("written " + i);
            }
        });
        assertThat(stages).allMatch(CompletableFuture::isDone);
        Thread.sleep(50);
        assertThat(waiters).as("answered, not unparked yet").allMatch(Thread::isAlive);

        wakes.wake(1);
        for (Thread waiter : waiters) {
            waiter.join(10_000);
            assertThat(waiter.isAlive()).as(waiter.getName() + " returned").isFalse();
        }
        for (int i = 0; i < callers; i++) {
            assertThat(got).containsEntry(i, "written " + i);
        }
    }

    /** A waiter whose wake-up is late still returns at its timeout with its answer, not a timeout. */
    @Test
    void aTimedGetWhoseAnswerIsThereReturnsItAtItsTimeoutHoweverLateItsWakeUp() throws Exception {
        CallerFuture<String> stage = new CallerFuture<>();
        AtomicReference<Object> got = new AtomicReference<>();
        Thread waiter = startWaiting("waiter", () -> {
            try {
                got.set(stage.get(1, TimeUnit.SECONDS)); // long enough that the answer is there before it
            } catch (Exception e) {
                got.set(e);
            }
        });
        CallerFuture.Wakes wakes = new CallerFuture.Wakes();
        wakes.gather(() -> stage.complete("written")); // its wake-up is collected and never given
        waiter.join(10_000);
        assertThat(got).hasValue("written");
    }

    /** Outside a collection (an operation answered alone), a waiting caller is unparked at once. */
    @Test
    void aWaiterAnsweredOutsideACollectionIsUnparkedAtOnce() throws Exception {
        CallerFuture<String> stage = new CallerFuture<>();
        AtomicReference<String> got = new AtomicReference<>();
        Thread waiter = startWaiting("waiter", () -> got.set(stage.join()));
        stage.complete("now");
        waiter.join(10_000);
        assertThat(got).hasValue("now");
    }

    /**
     * Before the answering thread runs a caller's dependent actions inside a collection, it unparks the
     * waiters answered so far: they do not wait for those actions.
     */
    @Test
    void waitersAnsweredBeforeACallerWithDependentActionsAreUnparkedBeforeThoseRun() throws Exception {
        CallerFuture<String> first = new CallerFuture<>();
        CallerFuture<String> second = new CallerFuture<>();
        Thread waiter = startWaiting("waiter", first::join);
        AtomicReference<Thread.State> waiterWhileSecondsActionRan = new AtomicReference<>();
        second.thenRun(() -> {
            try {
                waiter.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            waiterWhileSecondsActionRan.set(waiter.getState());
        });
        CallerFuture.Wakes.collect(() -> {
            first.complete("a");
            second.complete("b");
        });
        assertThat(waiterWhileSecondsActionRan).hasValue(Thread.State.TERMINATED);
    }

    /**
     * The deadline still answers a caller whose write's answering thread is held up by another caller's
     * dependent action (which must not block, but may be slow), within the operation timeout and a margin.
     */
    @Test
    void aSlowDependentActionOfOneCallerDoesNotHoldTheNextCallerPastItsDeadline() throws Exception {
        Duration timeout = Duration.ofSeconds(1);
        withTwoStashesHeldInOnePut(Engines.settings().operationTimeout(timeout), (adapter, backend, sid, view, pair) -> {
            long start = System.nanoTime();
            pair.first().thenRun(() -> spin(Duration.ofSeconds(4)));
            Thread answering = new Thread(pair.write().release(), "answering");
            answering.start();
            Throwable failure = failureOf(pair.second(), timeout.plusSeconds(1));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(timeout.plusSeconds(2));
            assertThat(failure).isInstanceOf(StashTimeoutException.class);
            answering.join(10_000);
        });
    }

    /**
     * The misuse the javadoc warns of, a dependent action that joins another caller of its session, holds
     * the session up until that caller's deadline, not for good: a later stash is acknowledged.
     */
    @Test
    void aDependentActionThatJoinsAnotherCallerOfItsWriteHoldsTheSessionOnlyUntilThatDeadline() throws Exception {
        Duration timeout = Duration.ofSeconds(1);
        withTwoStashesHeldInOnePut(Engines.settings().operationTimeout(timeout), (adapter, backend, sid, view, pair) -> {
            pair.first().thenRun(() -> pair.second().toCompletableFuture().join());
            backend.stopHolding();
            Thread answering = new Thread(pair.write().release(), "answering");
            answering.start();
            assertThat(failureOf(pair.second(), timeout.plusSeconds(2))).isInstanceOf(StashTimeoutException.class);
            answering.join(10_000);
            assertThat(answering.isAlive()).isFalse();
            await(adapter.stash(sid, view, Map.of("k1", 7L)), Duration.ofSeconds(3));
        });
    }

    /**
     * A timed get returns within its timeout once its answer is there, and another caller's dependent
     * action runs on the answering thread, never on a waiter's (which may hold ThreadLocals, locks or an
     * interrupt of its own request).
     */
    @ParameterizedTest
    @ValueSource(strings = { "timed get", "join, interrupted" })
    void anotherCallersDependentActionRunsOnTheAnsweringThreadNotOnAWaiters(String waitingWith) throws Exception {
        withTwoStashesHeldInOnePut(Engines.settings(), (adapter, backend, sid, view, pair) -> {
            pair.first().thenRun(() -> spin(Duration.ofMillis(300)));
            AtomicReference<Thread> ranOn = new AtomicReference<>();
            pair.second().thenRun(() -> {
                ranOn.set(Thread.currentThread());
                spin(Duration.ofSeconds(2));
            });
            AtomicReference<Duration> returnedAfter = new AtomicReference<>();
            long[] released = new long[1];
            Thread waiter = startWaiting("waiter", () -> {
                CompletableFuture<Void> first = pair.first().toCompletableFuture();
                if (waitingWith.equals("timed get")) {
                    waitFor(first, "timed get");
                } else {
                    first.join();
                }
                returnedAfter.set(Duration.ofNanos(System.nanoTime() - released[0]));
            });
            if (!waitingWith.equals("timed get")) {
                waiter.interrupt(); // join goes on waiting, and keeps the interrupt for its caller
            }
            released[0] = System.nanoTime();
            Thread answering = new Thread(pair.write().release(), "answering");
            answering.start();
            waiter.join(10_000);
            answering.join(10_000);
            assertThat(ranOn).hasValue(answering);
            assertThat(returnedAfter.get()).as("the waiter did not run the 2-s action").isLessThan(Duration.ofMillis(1500));
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
        withTwoStashesHeldInOnePut(Engines.settings(), test);
    }

    private static void withTwoStashesHeldInOnePut(StashSettings.Builder settings, HeldWriteTest test) throws Exception {
        HeldBackend backend = new HeldBackend(new MapStorageBackend());
        ViewDefinition view = ConcurrentStashTests.view(2);
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, settings.build())) {
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

    /** Busy for {@code time}: a slow dependent action that does not block. */
    private static void spin(Duration time) {
        long end = System.nanoTime() + time.toNanos();
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
