package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.durablestash.core.MapStorageBackend.Operation;

/** While a write is in flight, further stashes wait and go out together in the next single write. */
class GroupCommitTests {

    /**
     * Pipelining: once a write succeeded, the next batch's write is sent before the written batch's
     * callers are answered (waking many waiting threads takes a while, and the next PUT can travel
     * meanwhile). Deterministic: the test holds every PUT and releases it by hand, and looks, from the
     * first caller's own continuation, whether the second write has reached the store.
     */
    @Test
    void theNextBatchIsWrittenBeforeTheCallersOfTheWrittenOneAreAnswered() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        HeldBackend backend = new HeldBackend(store);
        ViewDefinition view = ConcurrentStashTests.view(2);
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, view, Map.of("k0", 0L)));
            backend.hold(Operation.PUT);
            CompletionStage<Void> first = adapter.stash(sid, view, Map.of("k0", 1L));
            HeldBackend.Held firstWrite = backend.next();
            CompletionStage<Void> second = adapter.stash(sid, view, Map.of("k1", 2L)); // waits behind the first write
            AtomicInteger writesHeldWhenFirstAnswered = new AtomicInteger(-1);
            CompletableFuture<Void> firstAnswered = first.toCompletableFuture()
                    .thenRun(() -> writesHeldWhenFirstAnswered.set(backend.waiting()));

            firstWrite.release().run();
            await(firstAnswered);
            assertThat(writesHeldWhenFirstAnswered).as("writes sent (and held) when the first caller was answered")
                    .hasValue(1);
            assertThat(second.toCompletableFuture()).isNotDone();

            backend.next().release().run();
            await(second);
            assertThat(store.count(Operation.PUT)).isEqualTo(3);
        }
    }

    /**
     * Gathering: once a write of several stashes (contention) succeeded, its callers are answered and
     * the next write waits for as many operations as were waiting plus those answered (callers coming
     * back), or an operation of another kind, or a bound (a fraction of how long the write took). The
     * second write is held for {@link #HELD}, so the gather's bound is far longer than the waits below.
     */
    @Test
    void afterAWriteOfSeveralStashesTheNextWriteGathersTheCallersThatComeBack() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        HeldBackend backend = new HeldBackend(store);
        ViewDefinition view = ConcurrentStashTests.view(4);
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            writeTwoStashesInOnePut(adapter, backend, sid, view);

            CompletionStage<Void> third = adapter.stash(sid, view, Map.of("k2", 3L));
            Thread.sleep(150);
            assertThat(backend.waiting()).as("writes sent while one of the two answered callers is back").isZero();
            CompletionStage<Void> fourth = adapter.stash(sid, view, Map.of("k3", 4L));
            HeldBackend.Held together = backend.next(); // both are back: written at once, not at the bound
            together.release().run();
            await(third);
            await(fourth);
            assertThat(store.count(Operation.PUT)).as("the first, the two stashes', the two gathered ones'").isEqualTo(3);
        }
    }

    @Test
    void aGatherEndsAtItsBoundWhenTheCallersDoNotComeBack() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        HeldBackend backend = new HeldBackend(store);
        ViewDefinition view = ConcurrentStashTests.view(4);
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            writeTwoStashesInOnePut(adapter, backend, sid, view);
            long start = System.nanoTime();
            CompletionStage<Void> alone = adapter.stash(sid, view, Map.of("k2", 3L));
            backend.next().release().run();
            await(alone);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("at most half the held write's time")
                    .isLessThan(HELD.dividedBy(2).plusMillis(500));
            assertThat(store.count(Operation.PUT)).isEqualTo(3);
        }
    }

    @Test
    void anOperationOfAnotherKindEndsAGatherAtOnce() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        HeldBackend backend = new HeldBackend(store);
        ViewDefinition view = ConcurrentStashTests.view(4);
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().revalidateOnMount(false).build())) {
            writeTwoStashesInOnePut(adapter, backend, sid, view);
            long start = System.nanoTime();
            Recovery recovery = adapter.recover(sid, view, MountKind.REJOIN).toCompletableFuture()
                    .get(Engines.TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("answered from the cache, without waiting")
                    .isLessThan(HELD.dividedBy(8));
            assertThat(recovery.values()).containsEntry("k0", 1L).containsEntry("k1", 2L);
        }
    }

    /** Retiring ends a gather through the executor; an actor that is not gathering costs the executor nothing. */
    @Test
    void retiringActorsThatAreNotGatheringHandsNothingToTheExecutor() throws Exception {
        java.util.concurrent.atomic.AtomicInteger tasks = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.Executor counting = task -> {
            if (task.getClass().getName().startsWith("dev.durablestash.")) { // not the actor cache's upkeep
                tasks.incrementAndGet();
            }
            java.util.concurrent.ForkJoinPool.commonPool().execute(task);
        };
        ViewDefinition view = ConcurrentStashTests.view(1);
        try (StashAdapter adapter = new StashAdapter(new MapStorageBackend(),
                Engines.settings().executor(counting).maxLiveActors(2).build())) {
            for (int i = 0; i < 20; i++) {
                await(adapter.stash(SessionIds.newSid(), view, Map.of("k0", (long) i)));
            }
            Thread.sleep(100); // the evictions' hand-offs, if any, have reached the executor
            assertThat(adapter.statistics().evictions()).as("actors retired").isGreaterThanOrEqualTo(10);
            assertThat(tasks).as("tasks handed to the executor").hasValue(0);
        }
    }

    /**
     * A gather that ends early, its callers back, cancels its timer: the timer would otherwise wake the
     * engine's executor at the bound, for nothing (nearly every gather under contention ends early).
     */
    @Test
    void aGatherThatEndsEarlyHandsNothingToTheExecutorAtItsBound() throws Exception {
        java.util.concurrent.atomic.AtomicInteger tasks = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.Executor counting = task -> {
            tasks.incrementAndGet();
            java.util.concurrent.ForkJoinPool.commonPool().execute(task);
        };
        MapStorageBackend store = new MapStorageBackend();
        HeldBackend backend = new HeldBackend(store);
        ViewDefinition view = ConcurrentStashTests.view(4);
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().executor(counting).build())) {
            writeTwoStashesInOnePut(adapter, backend, sid, view);
            int before = tasks.get();
            CompletionStage<Void> third = adapter.stash(sid, view, Map.of("k2", 3L));
            CompletionStage<Void> fourth = adapter.stash(sid, view, Map.of("k3", 4L)); // both back: the gather ends
            HeldBackend.Held together = backend.next();
            Thread.sleep(HELD.dividedBy(4).plusMillis(500).toMillis()); // past the gather's bound
            assertThat(tasks.get() - before).as("tasks handed to the executor after the gather ended early").isZero();
            together.release().run();
            await(third);
            await(fourth);
        }
    }

    /** How long {@link #writeTwoStashesInOnePut} holds the two stashes' write. */
    private static final Duration HELD = Duration.ofSeconds(3);

    /** Stashes once; then writes two stashes in one PUT, held for {@link #HELD}, and waits for both callers. */
    private static void writeTwoStashesInOnePut(StashAdapter adapter, HeldBackend backend, String sid, ViewDefinition view)
            throws Exception {
        HeldPair pair = holdTwoStashesInOnePut(adapter, backend, sid, view);
        Thread.sleep(HELD.toMillis());
        pair.write().release().run();
        await(pair.first());
        await(pair.second());
    }

    /** A held write of two callers' stashes ({@code k0} = 1, {@code k1} = 2), and their stages. */
    record HeldPair(HeldBackend.Held write, CompletionStage<Void> first, CompletionStage<Void> second) {
    }

    /**
     * Holds every later PUT; stashes {@code k0} = 0 (its write released and answered), then two stashes
     * that go out in one write, which is held and returned.
     */
    static HeldPair holdTwoStashesInOnePut(StashAdapter adapter, HeldBackend backend, String sid, ViewDefinition view)
            throws Exception {
        backend.hold(Operation.PUT);
        CompletionStage<Void> first = adapter.stash(sid, view, Map.of("k0", 0L));
        HeldBackend.Held firstWrite = backend.next();
        CompletionStage<Void> second = adapter.stash(sid, view, Map.of("k0", 1L));
        CompletionStage<Void> third = adapter.stash(sid, view, Map.of("k1", 2L));
        firstWrite.release().run();
        await(first);
        return new HeldPair(backend.next(), second, third);
    }

    @Test
    void hundredConcurrentStashesWithSlowPutsUseAtMostTenPutsAndAreAllDurable() throws Exception {
        MapStorageBackend backend = new MapStorageBackend();
        ViewDefinition view = ConcurrentStashTests.view(100);
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.recover(sid, view, MountKind.FRESH)); // warm the actor: the session is empty
            backend.setLatency(Operation.PUT, Duration.ofMillis(50));
            List<CompletionStage<Void>> stashes = new ArrayList<>();
            Map<String, Long> expected = new HashMap<>();
            for (int i = 0; i < 100; i++) {
                expected.put("k" + i, (long) i);
                stashes.add(adapter.stash(sid, view, Map.of("k" + i, (long) i)));
            }
            for (CompletionStage<Void> stash : stashes) {
                await(stash);
            }
            System.out.printf("100 concurrent stashes, 50 ms PUTs: %d PUTs%n", backend.count(Operation.PUT));
            assertThat(backend.count(Operation.PUT)).isBetween(1L, 10L);
            assertThat(adapter.statistics().acknowledged()).isEqualTo(100);

            try (StashAdapter fresh = new StashAdapter(backend, Engines.settings().build())) {
                Recovery recovery = await(fresh.recover(sid, view, MountKind.FRESH));
                assertThat(recovery.values()).containsExactlyInAnyOrderEntriesOf(expected);
            }
        }
    }

    @Test
    void eachCallerIsAcknowledgedOnlyWhenTheWriteContainingItsDiffSucceeded() throws Exception {
        MapStorageBackend backend = new MapStorageBackend();
        ViewDefinition view = ConcurrentStashTests.view(3);
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.recover(sid, view, MountKind.FRESH));
            // Long enough that a loaded machine cannot reach the checks below after the PUT answered.
            backend.setLatency(Operation.PUT, Duration.ofSeconds(2));
            CompletionStage<Void> first = adapter.stash(sid, view, Map.of("k0", 1L));
            long deadline = System.nanoTime() + Engines.TIMEOUT.toNanos();
            while (backend.count(Operation.PUT) == 0) { // the first PUT is in flight once the store has seen it
                assertThat(System.nanoTime()).as("first PUT sent in time").isLessThan(deadline);
                Thread.sleep(1);
            }
            CompletionStage<Void> second = adapter.stash(sid, view, Map.of("k1", 2L));
            // The in-memory store applies a PUT when it is called and answers after the latency:
            // the first write is already stored, yet neither caller is acknowledged before the answer.
            assertThat(first.toCompletableFuture().isDone()).isFalse();
            assertThat(second.toCompletableFuture().isDone()).isFalse();
            await(first);
            assertThat(second.toCompletableFuture().isDone()).as("second rides on the next PUT").isFalse();
            await(second);
            assertThat(backend.count(Operation.PUT)).isEqualTo(2);
        }
    }
}
