package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import ch.qos.logback.classic.Level;

import dev.durablestash.testsupport.ExpectedLogs;

import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.core.MapStorageBackend.Operation;

/**
 * An idle session's actor runs on the caller's thread (no hand-off to the engine's pool), but a
 * thread that is running one session's actor never runs another's: that goes to the pool.
 */
class InlineDrainTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.of(SerialRunner.class, SessionActor.class);

    static final ViewDefinition VIEW = ViewDefinition.builder("inline").key("n", Integer.class).build();

    /** Records the thread of every PUT that reaches the store. */
    private static class ThreadRecordingBackend extends ForwardingBackend {
        final List<String> putThreads = new CopyOnWriteArrayList<>();

        ThreadRecordingBackend(StorageBackend delegate) {
            super(delegate);
        }

        @Override
        public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
            putThreads.add(Thread.currentThread().getName());
            return delegate.put(key, body, precondition);
        }
    }

    private static ExecutorService enginePool() {
        AtomicInteger count = new AtomicInteger();
        return Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "engine-pool-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    @Test
    void aStashToAnIdleSessionWhoseStoreAnswersAtOnceIsDoneWhenTheCallReturns() throws Exception {
        ThreadRecordingBackend backend = new ThreadRecordingBackend(new MapStorageBackend());
        ExecutorService pool = enginePool();
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().executor(pool).build())) {
            CompletionStage<Void> stashed = adapter.stash(sid, VIEW, Map.of("n", 1));

            assertThat(stashed.toCompletableFuture().isDone()).isTrue();
            assertThat(backend.putThreads).containsExactly(Thread.currentThread().getName());
            assertThat(adapter.statistics().acknowledged()).isEqualTo(1);
            assertThat(await(adapter.recover(sid, VIEW, MountKind.REJOIN)).values()).containsOnly(Map.entry("n", 1));
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The actor cache's upkeep (recording which actors were used, evicting) runs on the calling thread:
     * handed to the engine's pool, it woke a pool thread every few calls (several times per write with
     * 64 callers on one session). Idle actors still expire with no call to trigger it: see
     * {@link #anIdleActorIsRetiredByTheScheduledUpkeepWithoutAnyCall}.
     */
    @Test
    void callsToLiveAndNewSessionsHandNothingToTheEnginesPool() throws Exception {
        AtomicInteger tasks = new AtomicInteger();
        ExecutorService pool = enginePool();
        java.util.concurrent.Executor counting = task -> {
            tasks.incrementAndGet();
            pool.execute(task);
        };
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(new MapStorageBackend(),
                Engines.settings().executor(counting).maxLiveActors(10).build())) {
            for (int i = 0; i < 500; i++) {
                await(adapter.stash(sid, VIEW, Map.of("n", i)));
                await(adapter.recover(sid, VIEW, MountKind.REJOIN));
                await(adapter.stash(SessionIds.newSid(), VIEW, Map.of("n", i))); // and evictions past the cap
            }
            assertThat(adapter.statistics().evictions()).as("actors evicted").isGreaterThan(400);
            assertThat(tasks).as("tasks handed to the engine's pool").hasValue(0);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * An idle actor is retired at its idle timeout with no call to run the cache's upkeep: the upkeep the
     * cache schedules runs on the engine's pool. The retirement is read from the engine's counters directly:
     * {@link StashAdapter#statistics()} runs the cache's upkeep itself.
     */
    @Test
    void anIdleActorIsRetiredByTheScheduledUpkeepWithoutAnyCall() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        ExecutorService pool = enginePool();
        java.util.concurrent.Executor counting = task -> pool.execute(() -> {
            task.run();
            ran.incrementAndGet();
        });
        try (StashAdapter adapter = new StashAdapter(new MapStorageBackend(), Engines.settings().executor(counting)
                .actorIdleTimeout(java.time.Duration.ofMillis(100)).build())) {
            await(adapter.stash(SessionIds.newSid(), VIEW, Map.of("n", 1)));
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
            while (evictionsWithoutUpkeep(adapter) == 0 && System.nanoTime() - deadline < 0) {
                Thread.sleep(10); // no call to the adapter meanwhile
            }
            assertThat(evictionsWithoutUpkeep(adapter)).as("the idle actor retired, with no call").isEqualTo(1);
            assertThat(ran.get()).as("tasks run on the engine's pool").isPositive();
        } finally {
            pool.shutdownNow();
        }
    }

    /** The engine's eviction counter, read without running the cache's upkeep. */
    private static long evictionsWithoutUpkeep(StashAdapter adapter) throws ReflectiveOperationException {
        java.lang.reflect.Field registryField = StashAdapter.class.getDeclaredField("registry");
        registryField.setAccessible(true);
        java.lang.reflect.Field countersField = SessionRegistry.class.getDeclaredField("counters");
        countersField.setAccessible(true);
        return ((EngineCounters) countersField.get(registryField.get(adapter))).evictions.sum();
    }

    /**
     * Session A's write answers on a thread of the store's; the actor of A finishes the stash there,
     * and the caller's dependent action (run there too) stashes to session B: B's actor must run on
     * the engine's pool, not nested inside A's on the store's thread.
     */
    @Test
    void aDependentActionThatStashesToAnotherSessionRunsThatSessionOnTheEnginesPool() throws Exception {
        ThreadRecordingBackend recording = new ThreadRecordingBackend(new MapStorageBackend());
        HeldBackend backend = new HeldBackend(recording);
        ExecutorService pool = enginePool();
        ExecutorService store = Executors.newSingleThreadExecutor(runnable -> new Thread(runnable, "store-thread"));
        String a = SessionIds.newSid();
        String b = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().executor(pool).build())) {
            backend.hold(Operation.PUT);
            CompletableFuture<String> dependentRanOn = new CompletableFuture<>();
            CompletionStage<Void> toB = adapter.stash(a, VIEW, Map.of("n", 1)).thenCompose(ignored -> {
                dependentRanOn.complete(Thread.currentThread().getName());
                return adapter.stash(b, VIEW, Map.of("n", 2));
            });
            HeldBackend.Held writeOfA = backend.next();
            backend.stopHolding();

            store.execute(writeOfA.release());
            await(toB);

            assertThat(await(dependentRanOn)).isEqualTo("store-thread"); // A's actor ran on the thread that answered
            assertThat(recording.putThreads).hasSize(2);
            assertThat(recording.putThreads.get(1)).startsWith("engine-pool-"); // B's did not
            assertThat(await(adapter.recover(b, VIEW, MountKind.REJOIN)).values()).containsOnly(Map.entry("n", 2));
        } finally {
            store.shutdownNow();
            pool.shutdownNow();
        }
    }

    /**
     * A storage backend whose put throws a checked exception at once, undeclared (written in Kotlin, or
     * with a sneaky throw), instead of returning a failed stage: the exception escapes the actor's inline
     * drain into the caller of stash (a method that returns a stage), and the session's runner stays
     * marked as draining, so a later stash to the same session never runs and only times out.
     */
    @Test
    void aBackendThatThrowsACheckedExceptionAtOnceFailsThatStashAndLeavesTheSessionUsable() throws Exception {
        logs.allow(Level.ERROR, "session actor task failed unexpectedly");
        java.util.concurrent.atomic.AtomicBoolean throwOnPut = new java.util.concurrent.atomic.AtomicBoolean(true);
        StorageBackend backend = new ThreadRecordingBackend(new MapStorageBackend()) {
            @Override
            public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
                if (throwOnPut.getAndSet(false)) {
                    InlineDrainTests.<RuntimeException>sneakyThrow(new java.io.IOException("disk said no"));
                }
                return super.put(key, body, precondition);
            }
        };
        ExecutorService pool = enginePool();
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().executor(pool)
                .operationTimeout(java.time.Duration.ofSeconds(2)).build())) {
            Throwable escaped = null;
            CompletionStage<Void> first = null;
            try {
                first = adapter.stash(sid, VIEW, Map.of("n", 1));
            } catch (Throwable t) {
                escaped = t;
            }
            CompletionStage<Void> second = adapter.stash(sid, VIEW, Map.of("n", 2));

            assertThat(second.toCompletableFuture()).as("a later stash of the same session")
                    .succeedsWithin(java.time.Duration.ofSeconds(5));
            assertThat(escaped).as("thrown by stash() itself").isNull();
            assertThat(first.toCompletableFuture()).failsWithin(java.time.Duration.ofSeconds(5));
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Unlike an undeclared checked exception (above), an Error (a class missing at run time, as after a
     * dependency clash) thrown at once by the backend's put, on the caller's thread inside the inline
     * drain, fails that stash alone: it is logged, and the session's next stash is written.
     */
    @Test
    void aBackendThatThrowsAnErrorAtOnceFailsThatStashAndLeavesTheSessionUsable() throws Exception {
        logs.expect(Level.ERROR, "session actor step failed unexpectedly");
        java.util.concurrent.atomic.AtomicBoolean throwOnPut = new java.util.concurrent.atomic.AtomicBoolean(true);
        StorageBackend backend = new ThreadRecordingBackend(new MapStorageBackend()) {
            @Override
            public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
                if (throwOnPut.getAndSet(false)) {
                    throw new NoClassDefFoundError("software/amazon/awssdk/Missing");
                }
                return super.put(key, body, precondition);
            }
        };
        ExecutorService pool = enginePool();
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().executor(pool)
                .operationTimeout(java.time.Duration.ofSeconds(2)).build())) {
            CompletionStage<Void> first = adapter.stash(sid, VIEW, Map.of("n", 1));
            CompletionStage<Void> second = adapter.stash(sid, VIEW, Map.of("n", 2));

            assertThat(second.toCompletableFuture()).as("a later stash of the same session")
                    .succeedsWithin(java.time.Duration.ofSeconds(5));
            assertThat(first.toCompletableFuture()).failsWithin(java.time.Duration.ofSeconds(5))
                    .withThrowableThat().havingRootCause().isInstanceOf(NoClassDefFoundError.class);
        } finally {
            pool.shutdownNow();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }
}
