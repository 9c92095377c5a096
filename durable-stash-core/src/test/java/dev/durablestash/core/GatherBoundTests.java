package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.durablestash.core.MapStorageBackend.Operation;

/** Gathering (the next write held back after a write of several stashes). */
class GatherBoundTests {

    /**
     * How long the write of several stashes is held: its gather's bound is a quarter of it; the checks
     * below allow half of that bound.
     */
    private static final Duration HELD = Duration.ofSeconds(3);

    /**
     * A recover that arrived while the write of several stashes travelled is already waiting when the
     * gather starts; "an operation of another kind" is only looked for on arrival, so it waits for the
     * gather's bound although it needs no storage at all.
     */
    @Test
    void aRecoverThatArrivedDuringTheWriteDoesNotWaitForTheGather() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        HeldBackend backend = new HeldBackend(store);
        ViewDefinition view = ConcurrentStashTests.view(4);
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().revalidateOnMount(false).build())) {
            GroupCommitTests.HeldPair pair = GroupCommitTests.holdTwoStashesInOnePut(adapter, backend, sid, view);
            Thread.sleep(HELD.toMillis());
            CompletionStage<Recovery> recovery = adapter.recover(sid, view, MountKind.REJOIN); // waits behind the pair
            long released = System.nanoTime();
            pair.write().release().run();
            await(pair.first());
            await(pair.second());
            recovery.toCompletableFuture().get(Engines.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - released))
                    .as("a recover from the cache, waiting when the write ended").isLessThan(HELD.dividedBy(8));
        }
    }

    /**
     * One user, no contention: a fresh mount's recover clears a RECONNECT key (the actor's own write),
     * which is merged with the user's stash queued behind the read: a "write of several stashes". The
     * gather that follows waits for two callers coming back where only one exists, so the user's next
     * stash waits for the gather's bound.
     */
    @Test
    void aSingleUsersNextStashDoesNotWaitAfterAFreshMountsOwnWrite() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        HeldBackend backend = new HeldBackend(store);
        ViewDefinition view = ViewDefinition.builder("form").key("a", Long.class)
                .key("draft", String.class, Scope.RECONNECT).build();
        String sid = SessionIds.newSid();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, view, Map.of("a", 1L, "draft", "x")));
            backend.hold(Operation.GET, Operation.PUT);
            CompletionStage<Recovery> mount = adapter.recover(sid, view, MountKind.FRESH);
            HeldBackend.Held read = backend.next();
            CompletionStage<Void> stash = adapter.stash(sid, view, Map.of("a", 2L)); // waits behind the read
            read.release().run();
            await(mount);
            HeldBackend.Held write = backend.next(); // the cleared draft and the stash, in one PUT
            Thread.sleep(HELD.toMillis());
            write.release().run();
            await(stash);

            long start = System.nanoTime();
            CompletionStage<Void> next = adapter.stash(sid, view, Map.of("a", 3L));
            HeldBackend.Held nextWrite = backend.next();
            Duration sent = Duration.ofNanos(System.nanoTime() - start);
            nextWrite.release().run();
            await(next);
            assertThat(sent).as("the lone user's next stash is sent at once").isLessThan(HELD.dividedBy(8));
        }
    }
}
