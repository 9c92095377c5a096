package dev.durablestash.core;

import static dev.durablestash.core.SecretRotationSteps.oldOnly;
import static dev.durablestash.core.SecretRotationSteps.stepOne;
import static dev.durablestash.core.SecretRotationSteps.stepTwo;
import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MapStorageBackend.Operation;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;

/**
 * {@link StashAdapter#stashUnderNewSid}: a stash under a session id its caller has just made writes
 * without reading storage first (a create); a wrong hint costs a read and a retry (no backoff, no write
 * attempt), never a write, and a guess nothing was written on is not kept as read.
 */
class StashUnderNewSidTests {

    static final ViewDefinition VIEW = ViewDefinition.builder("v").key("a", Long.class).key("b", Long.class)
            .key("s", String.class).key("t", String.class).build();

    @RegisterExtension
    final OpenEngines engines = new OpenEngines();

    @Test
    void theFirstStashUnderANewSidCreatesTheSessionWithoutReadingStorage() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        StashAdapter adapter = engines.open(store, oldOnly());
        String sid = SessionIds.newSid();

        await(adapter.stashUnderNewSid(sid, VIEW, Map.of("a", 1L)));
        await(adapter.stashUnderNewSid(sid, VIEW, Map.of("b", 2L))); // the actor knows the session now

        assertThat(store.count(Operation.GET)).as("GETs").isZero();
        assertThat(store.count(Operation.PUT)).as("PUTs").isEqualTo(2);
        StashAdapter other = engines.open(store, oldOnly());
        assertThat(await(other.recover(sid, VIEW, MountKind.REJOIN)).values()).isEqualTo(Map.of("a", 1L, "b", 2L));
    }

    @Test
    void aWrongHintIsACreateRefusedThenAReadAndAMergeNeverAnOverwrite() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        StashAdapter elsewhere = engines.open(store, oldOnly()); // another instance
        StashAdapter adapter = engines.open(store, oldOnly());
        String sid = SessionIds.newSid();
        await(elsewhere.stash(sid, VIEW, Map.of("a", 1L)));
        store.resetCounters();

        await(adapter.stashUnderNewSid(sid, VIEW, Map.of("b", 2L)));

        assertThat(store.count(Operation.PUT)).as("PUTs: the create refused, then the write").isEqualTo(2);
        assertThat(store.count(Operation.GET)).as("GETs: after the refusal").isEqualTo(1);
        assertThat(await(elsewhere.recover(sid, VIEW, MountKind.REJOIN)).values())
                .isEqualTo(Map.of("a", 1L, "b", 2L));
    }

    @Test
    void afterAFailedFirstWriteTheNextStashReadsStorage() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        StashAdapter adapter = engines.open(store, oldOnly());
        String sid = SessionIds.newSid();
        store.failNext(Operation.PUT, 1);
        assertThatThrownBy(() -> await(adapter.stashUnderNewSid(sid, VIEW, Map.of("a", 1L))))
                .isInstanceOf(StashWriteException.class);

        await(adapter.stashUnderNewSid(sid, VIEW, Map.of("b", 2L)));

        assertThat(store.count(Operation.GET)).as("GETs: the second stash reads, the first's answer may be lost")
                .isEqualTo(1);
        assertThat(await(adapter.recover(sid, VIEW, MountKind.REJOIN)).values()).isEqualTo(Map.of("b", 2L));
    }

    @Test
    void duringASecretRotationTheEngineReadsFirst() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        StashAdapter stepOne = engines.open(store, stepOne());
        StashAdapter stepTwo = engines.open(store, stepTwo());

        await(stepOne.stashUnderNewSid(SessionIds.newSid(), VIEW, Map.of("a", 1L)));
        assertThat(store.count(Operation.GET)).as("GETs in the first step").isPositive();
        store.resetCounters();
        String sid = SessionIds.newSid();
        await(stepTwo.stashUnderNewSid(sid, VIEW, Map.of("a", 2L)));
        assertThat(store.count(Operation.GET)).as("GETs in the second step").isPositive();
        assertThat(await(stepOne.recover(sid, VIEW, MountKind.REJOIN)).values()).isEqualTo(Map.of("a", 2L));
    }

    /**
     * A batch that took the session as absent and then wrote nothing (its only stash too large) kept the
     * guessed empty document as read: with revalidation off, a recover answered NOT_FOUND over an
     * acknowledged write (the hint wrong: the session's earlier actor, evicted, had written it).
     */
    @Test
    void aGuessThatWroteNothingIsDroppedSoARecoverReadsStorage() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        StashAdapter adapter = engines.open(store, oldOnly().revalidateOnMount(false)
                .actorIdleTimeout(Duration.ofSeconds(2)).maxDocumentBytes(2_000).maxValueBytes(2_000));
        String sid = SessionIds.newSid();
        await(adapter.stashUnderNewSid(sid, VIEW, Map.of("a", 1L))); // acknowledged: a=1 is stored
        awaitNoLiveActor(adapter); // the next stash of the same binding still says "new sid"

        String big = "x".repeat(1_200);
        long started = System.nanoTime();
        assertThatThrownBy(() -> await(adapter.stashUnderNewSid(sid, VIEW, Map.of("s", big, "t", big))))
                .isInstanceOf(StashWriteException.class).hasMessageContaining("max-document-size");

        Recovery recovery = await(adapter.recover(sid, VIEW, MountKind.REJOIN));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the new actor was not evicted meanwhile")
                .isLessThan(Duration.ofMillis(1_800));
        assertThat(recovery.status()).as("a=1 is stored").isNotEqualTo(RecoveryStatus.NOT_FOUND);
        assertThat(recovery.values()).isEqualTo(Map.of("a", 1L));
    }

    /**
     * A refused create on a guessed absence is not contention: it spends no write attempt and waits no
     * backoff. With one attempt allowed, such a stash failed with StashConflictException on an uncontended
     * session, where the same stash sent by stash() is written.
     */
    @Test
    void aWrongHintSpendsNoWriteAttempt() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        StashAdapter adapter = engines.open(store, oldOnly().maxWriteAttempts(1)
                .actorIdleTimeout(Duration.ofMillis(100)));
        String sid = SessionIds.newSid();
        await(adapter.stashUnderNewSid(sid, VIEW, Map.of("a", 1L))); // the request's first view: a create
        awaitNoLiveActor(adapter);

        // Another view of the same request, recovered under the same new sid, stashes now.
        await(adapter.stashUnderNewSid(sid, VIEW, Map.of("b", 2L)));

        assertThat(await(adapter.recover(sid, VIEW, MountKind.REJOIN)).values()).isEqualTo(Map.of("a", 1L, "b", 2L));
    }

    /**
     * The retry without backoff is taken once per actor: a store that refuses every create while a read finds
     * nothing (a fresh tombstone of an emulated delete) is asked maxWriteAttempts + 1 times, not in a loop.
     */
    @Test
    void aStoreThatRefusesEveryCreateIsAskedABoundedNumberOfTimes() throws Exception {
        AtomicInteger puts = new AtomicInteger();
        ForwardingBackend refusing = new ForwardingBackend(new MapStorageBackend()) {
            @Override
            public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
                puts.incrementAndGet();
                if (precondition.requiresAbsent()) {
                    return CompletableFuture.completedFuture(PutResult.preconditionFailed());
                }
                return delegate.put(key, body, precondition);
            }
        };
        StashAdapter adapter = engines.open(refusing, oldOnly().maxWriteAttempts(3)
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(2)));

        assertThatThrownBy(() -> await(adapter.stashUnderNewSid(SessionIds.newSid(), VIEW, Map.of("a", 1L))))
                .isInstanceOf(StashConflictException.class);

        assertThat(puts.get()).as("creates: the guessed one, then maxWriteAttempts").isEqualTo(4);
        assertThat(adapter.statistics().conflicts()).isEqualTo(4);
    }

    private static void awaitNoLiveActor(StashAdapter adapter) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (adapter.statistics().liveActors() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(adapter.statistics().liveActors()).as("the actor was evicted (idle)").isZero();
    }
}
