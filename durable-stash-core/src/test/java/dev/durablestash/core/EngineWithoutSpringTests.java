package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.filesystem.FileSystemStorageBackend;

/**
 * The engine used without Spring, as the README ("Using the engine without Spring") and
 * docs/spring.md ("WebSockets", "What to do") describe it: each test holds a sentence of the public
 * javadoc or the docs to the code.
 */
class EngineWithoutSpringTests {

    static final ViewDefinition COUNTER = ViewDefinition.builder("counter")
            .key("count", int.class)
            .key("draft", String.class, Scope.RECONNECT)
            .build();
    static final ViewDefinition TREE = ViewDefinition.builder("tree").key("tree", Object.class).build();

    @TempDir
    Path dir;

    /**
     * docs/spring.md, WebSockets, "What to do", followed literally on the default (filesystem)
     * storage: 32 threads, each a stream of messages of one browser session, 20 increments each, every
     * one in its turn (recover REJOIN, stash, close). Half the turns are closed from another thread
     * than the one that took them, and every turn is closed a second time: no increment is lost.
     */
    @Test
    void theWebSocketRecipeKeepsEveryIncrementOfManyConcurrentMessagesOfOneSession() throws Exception {
        int threads = 32;
        int increments = 20;
        ExecutorService messages = Executors.newFixedThreadPool(threads);
        ExecutorService closers = Executors.newSingleThreadExecutor();
        String sid = SessionIds.newSid();
        try (FileSystemStorageBackend storage = new FileSystemStorageBackend(dir);
                StashAdapter stash = new StashAdapter(storage, Engines.settings().build())) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(messages.submit(() -> {
                    for (int i = 0; i < increments; i++) {
                        ViewTurn turn = stash.turn(sid, COUNTER).toCompletableFuture().join();
                        try {
                            Recovery recovery = stash.recover(sid, COUNTER, MountKind.REJOIN).toCompletableFuture().join();
                            assertThat(recovery.status()).isNotEqualTo(RecoveryStatus.ERROR);
                            int count = recovery.has("count") ? recovery.<Integer>get("count") : 0;
                            stash.stash(sid, COUNTER, Map.of("count", count + 1)).toCompletableFuture().join();
                        } finally {
                            if (thread % 2 == 0) {
                                closers.submit(turn::close).get();
                            } else {
                                turn.close();
                            }
                            turn.close();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            messages.shutdownNow();
            closers.shutdownNow();
        }
        try (FileSystemStorageBackend storage = new FileSystemStorageBackend(dir);
                StashAdapter restarted = new StashAdapter(storage, Engines.settings().build())) {
            assertThat(await(restarted.recover(sid, COUNTER, MountKind.REJOIN)).<Integer>get("count"))
                    .isEqualTo(threads * increments);
        }
    }

    /**
     * Contract rule 7 and 13, rule 1 after a restart: a value nested 497 levels deep reads back alone
     * (the stash's read-back check passes) and is acknowledged, but the session document that holds it
     * nests deeper than Jackson's default limit (500). After a restart (a new adapter on the same
     * store: a redeploy) the whole document is unreadable, kept aside as corrupt, and the session
     * starts empty: the counter view's acknowledged 42 is lost with it.
     */
    @Test
    void anAcknowledgedDeeplyNestedValueNeverCostsTheSessionsOtherStateAfterARestart() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        String sid = SessionIds.newSid();
        Object nested = 1;
        for (int i = 0; i < 497; i++) {
            nested = List.of(nested);
        }
        try (StashAdapter before = new StashAdapter(store, Engines.settings().build())) {
            await(before.stash(sid, COUNTER, Map.of("count", 42)));
            try {
                await(before.stash(sid, TREE, Map.of("tree", nested)));
            } catch (InvalidStashValueException refused) {
                // refusing the value at stash time is a right answer too
            }
        }
        try (StashAdapter restarted = new StashAdapter(store, Engines.settings().build())) {
            Recovery counter = await(restarted.recover(sid, COUNTER, MountKind.REJOIN));
            assertThat(counter.status()).isEqualTo(RecoveryStatus.RECOVERED);
            assertThat(counter.<Integer>get("count")).isEqualTo(42);
        }
    }

    /**
     * The same with depth 499: the value is refused, as it should be, but not as contract rule 7 says
     * ("a clear error that names the view and key", InvalidStashValueException at once): the stage
     * fails with a StashWriteException "failed unexpectedly" and the actor logs an ERROR with a stack
     * trace.
     */
    @Test
    void aValueTooDeepForTheDocumentIsRefusedAtOnceNamingTheKey() throws Exception {
        String sid = SessionIds.newSid();
        Object nested = 1;
        for (int i = 0; i < 499; i++) {
            nested = List.of(nested);
        }
        Object value = nested;
        try (StashAdapter stash = new StashAdapter(new MapStorageBackend(), Engines.settings().build())) {
            assertThatThrownBy(() -> stash.stash(sid, TREE, Map.of("tree", value)))
                    .isInstanceOf(InvalidStashValueException.class).hasMessageContaining("'tree'");
        }
    }

    /**
     * A declared key name longer than Jackson's default limit for property names (50,000) is accepted
     * by the builder and by stash, and acknowledged; after a restart the document is unreadable and
     * the session's other views are lost with it. View names are limited (200), key names are not.
     */
    @Test
    void aKeyNameTheDocumentCannotBeReadBackWithIsRefusedBeforeItCostsTheSession() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        String sid = SessionIds.newSid();
        String longKey = "k".repeat(60_000);
        ViewDefinition odd;
        try {
            odd = ViewDefinition.builder("odd").key(longKey, int.class).build();
        } catch (IllegalArgumentException refused) {
            return; // refused when the view is defined: a right answer
        }
        try (StashAdapter before = new StashAdapter(store, Engines.settings().build())) {
            await(before.stash(sid, COUNTER, Map.of("count", 42)));
            try {
                await(before.stash(sid, odd, Map.of(longKey, 1)));
            } catch (InvalidStashValueException refused) {
                // refused at stash time: a right answer too
            }
        }
        try (StashAdapter restarted = new StashAdapter(store, Engines.settings().build())) {
            assertThat(await(restarted.recover(sid, COUNTER, MountKind.REJOIN)).<Integer>get("count")).isEqualTo(42);
        }
    }

    /**
     * README, "Bad input": "a value that does not read back as its key's declared type ... refused at
     * stash time". A double 1.5 stashed for an {@code int} key is acknowledged and recovers as 1: the
     * stash changed the value silently.
     */
    @Test
    void aValueThatRecoversAsAnotherValueIsRefusedAtStashTime() throws Exception {
        String sid = SessionIds.newSid();
        try (StashAdapter stash = new StashAdapter(new MapStorageBackend(), Engines.settings().build())) {
            try {
                await(stash.stash(sid, COUNTER, Map.of("count", 1.5)));
            } catch (InvalidStashValueException refused) {
                return;
            }
            assertThat(await(stash.recover(sid, COUNTER, MountKind.REJOIN)).<Object>get("count"))
                    .as("what was acknowledged").isEqualTo(1.5);
        }
    }

    /**
     * StashAdapter.stash: "null values are stored as JSON null"; Recovery: "A recovered value may be
     * null when null was stashed". For a primitive key the null is acknowledged and then never
     * recovered (the key reads as absent, the stored value it replaced is gone): the same silent change
     * the read-back check refuses for other values.
     */
    @Test
    void aNullForAPrimitiveKeyIsRefusedOrRecoveredAsNull() throws Exception {
        String sid = SessionIds.newSid();
        try (StashAdapter stash = new StashAdapter(new MapStorageBackend(), Engines.settings().build())) {
            await(stash.stash(sid, COUNTER, Map.of("count", 7)));
            Map<String, Object> changed = new HashMap<>();
            changed.put("count", null);
            try {
                await(stash.stash(sid, COUNTER, changed));
            } catch (InvalidStashValueException refused) {
                return;
            }
            Recovery recovery = await(stash.recover(sid, COUNTER, MountKind.REJOIN));
            assertThat(recovery.has("count")).as("a null was acknowledged for 'count'").isTrue();
        }
    }

    /** Sids not made by SessionIds.newSid(): empty, a megabyte long, odd characters. They work as keys. */
    @Test
    void sidsNotMadeBySessionIdsStillKeepTheirOwnState() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        List<String> sids = List.of("", "x".repeat(1_000_000), "a\nb", "\u0000", "../../etc", "\uD83D");
        try (StashAdapter stash = new StashAdapter(store, Engines.settings().build())) {
            for (int i = 0; i < sids.size(); i++) {
                await(stash.stash(sids.get(i), COUNTER, Map.of("count", i)));
            }
        }
        try (StashAdapter restarted = new StashAdapter(store, Engines.settings().build())) {
            for (int i = 0; i < sids.size(); i++) {
                assertThat(await(restarted.recover(sids.get(i), COUNTER, MountKind.REJOIN)).<Integer>get("count"))
                        .isEqualTo(i);
            }
        }
        assertThat(store.size()).isEqualTo(sids.size());
    }
    static final ViewDefinition PAIR = ViewDefinition.builder("pair").key("a", int.class).key("b", int.class).build();

    /**
     * README: compare-and-swap is exact among all backends of one JVM on one root, and instances
     * sharing a store lose no acknowledged write (per-key merge). Two adapters, each on a plain
     * filesystem backend of its own on one directory (two processes' worth), write different keys
     * of one session's view at the same time, 40 times each: both keys end at their last value.
     */
    @Test
    void twoAdaptersOnOneDirectoryWritingDifferentKeysOfOneSessionLoseNothing() throws Exception {
        String sid = SessionIds.newSid();
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try (FileSystemStorageBackend one = new FileSystemStorageBackend(dir);
                FileSystemStorageBackend two = new FileSystemStorageBackend(dir);
                StashAdapter first = new StashAdapter(one, Engines.settings().build());
                StashAdapter second = new StashAdapter(two, Engines.settings().build())) {
            Future<?> a = writers.submit(() -> {
                for (int i = 1; i <= 40; i++) {
                    first.stash(sid, PAIR, Map.of("a", i)).toCompletableFuture().join();
                }
                return null;
            });
            Future<?> b = writers.submit(() -> {
                for (int i = 1; i <= 40; i++) {
                    second.stash(sid, PAIR, Map.of("b", i)).toCompletableFuture().join();
                }
                return null;
            });
            a.get(2, TimeUnit.MINUTES);
            b.get(2, TimeUnit.MINUTES);
            for (StashAdapter adapter : List.of(first, second)) {
                Recovery recovery = await(adapter.recover(sid, PAIR, MountKind.REJOIN));
                assertThat(recovery.values()).containsEntry("a", 40).containsEntry("b", 40);
            }
        } finally {
            writers.shutdownNow();
        }
    }

    /**
     * StashAdapter.close(): "Operations in flight still end". A stash whose write is held inside the
     * filesystem backend when the adapter closes is acknowledged once the write lands, and is there
     * after a restart; a stash that arrives after close() is refused and writes nothing.
     */
    @Test
    void aStashInFlightWhenTheAdapterClosesIsAcknowledgedAndDurable() throws Exception {
        String sid = SessionIds.newSid();
        CompletableFuture<Void> release = new CompletableFuture<>();
        java.util.concurrent.CountDownLatch writing = new java.util.concurrent.CountDownLatch(1);
        try (FileSystemStorageBackend storage = new FileSystemStorageBackend(dir)) {
            StashAdapter stash = new StashAdapter(Engines.withPut(storage, (key, body, precondition) -> {
                writing.countDown();
                return release.thenCompose(ignored -> storage.put(key, body, precondition));
            }), Engines.settings().build());
            CompletableFuture<Void> inFlight = stash.stash(sid, COUNTER, Map.of("count", 5)).toCompletableFuture();
            assertThat(writing.await(30, TimeUnit.SECONDS)).isTrue();
            stash.close();
            assertThat(dev.durablestash.testsupport.Stages.requireFailure(
                    stash.stash(sid, COUNTER, Map.of("count", 6)))).isInstanceOf(StashWriteException.class);
            release.complete(null);
            await(inFlight);
        }
        try (FileSystemStorageBackend storage = new FileSystemStorageBackend(dir);
                StashAdapter restarted = new StashAdapter(storage, Engines.settings().build())) {
            assertThat(await(restarted.recover(sid, COUNTER, MountKind.REJOIN)).<Integer>get("count")).isEqualTo(5);
        }
    }
}
