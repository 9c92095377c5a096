package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MapStorageBackend.Operation;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageException;

/**
 * A stash whose create ({@code If-None-Match: *}) got no answer within the operation timeout, or failed
 * with an answer that leaves open whether a copy of it is still on its way (the S3 backend's "one whose
 * answer was lost may still land"), failed, but the store may still apply it later. Should it land after
 * the session was ended (logout) or its id rotated away (login), on this instance or another one, the
 * state the browser stashed before, never acknowledged, would be stored again under the old id, for
 * whoever still holds that id (an attacker who planted it, with session fixation). The end and the
 * rotation leave the old id empty: the late create is refused, or, should it land first, removed. A reset
 * acknowledged after such a stash is not undone by it either.
 */
class LateCreateAfterEndOrRotationTests {

    static final ViewDefinition VIEW = ViewDefinition.builder("v").key("x", Integer.class).key("y", Integer.class)
            .build();
    /** Long enough for the test to release a held call well before a deadline passes. */
    static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(1);

    final MapStorageBackend store = new MapStorageBackend();
    final HeldBackend held = new HeldBackend(store);
    @RegisterExtension
    final OpenEngines engines = new OpenEngines();
    final StashAdapter engine = engines.open(held, Engines.settings().operationTimeout(OPERATION_TIMEOUT));
    final String sid = SessionIds.newSid();
    final String newSid = SessionIds.newSid();
    private volatile boolean failNextPut;
    private volatile @Nullable Runnable lateCopy;
    final StashAdapter lateCopyEngine = engines.open(Engines.withPut(store, this::failingOnceWithACopyOnItsWay),
            Engines.settings());

    @Test
    void anEndedSessionStaysEmptyWhenItsTimedOutCreateLandsAfterTheEnd() throws Exception {
        HeldBackend.Held lateCreate = stashWhoseCreateGetsNoAnswerInTime();

        await(engine.end(sid)); // finds nothing stored
        lateCreate.release().run();

        assertOldIdIsEmpty();
    }

    @Test
    void anEndThatRemovedStateStaysEmptyWhenAnEarlierTimedOutCreateLandsAfterIt() throws Exception {
        HeldBackend.Held lateCreate = stashWhoseCreateGetsNoAnswerInTime();
        await(engine.stash(sid, VIEW, Map.of("y", 2))); // acknowledged: a create that succeeded
        assertThat(store.keys()).as("stored before the end").hasSize(1);

        await(engine.end(sid)); // removes y=2, then finds nothing stored
        lateCreate.release().run();

        assertOldIdIsEmpty();
    }

    /** The late create lands between the end's load that found nothing and the end's own write. */
    @Test
    void aTimedOutCreateThatLandsWhileTheEndRefusesItIsRemovedByTheEnd() throws Exception {
        HeldBackend.Held lateCreate = stashWhoseCreateGetsNoAnswerInTime();
        held.hold(Operation.PUT);
        CompletionStage<Void> end = engine.end(sid);
        HeldBackend.Held refusal = held.next(); // the end's write that refuses the late create
        held.stopHolding();
        lateCreate.release().run(); // lands first
        refusal.release().run(); // meets it: the end loads again and removes it

        await(end);
        assertNoStateStoredUnderTheOldId();
        assertThat(engine.statistics().conflicts()).as("conflicts counted").isEqualTo(1);
        assertOldIdIsEmpty();
    }

    @Test
    void laterOperationsOfTheEndedSessionSeeAnEmptySessionAndItsDocumentExpires() throws Exception {
        HeldBackend.Held lateCreate = stashWhoseCreateGetsNoAnswerInTime();
        await(engine.end(sid));
        lateCreate.release().run();

        SessionDocument left = SessionDocument.parse(store.read(oldKey()).orElseThrow());
        assertThat(left.hasViews()).as("what the end left under the old id's key").isFalse();
        assertThat(left.expiresAt()).as("its expiry: swept like any expired document").isNotNull();
        assertThat(await(engine.recover(sid, VIEW, MountKind.REJOIN)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
        await(engine.stash(sid, VIEW, Map.of("y", 3))); // an operation that arrives later writes as usual
        assertThat(await(engines.open(store, Engines.settings()).recover(sid, VIEW, MountKind.REJOIN)).values())
                .containsOnly(Map.entry("y", 3));
    }

    @Test
    void aRotatedAwayIdStaysEmptyWhenItsTimedOutCreateLandsAfterTheRotation() throws Exception {
        HeldBackend.Held lateCreate = stashWhoseCreateGetsNoAnswerInTime();

        await(engine.rotate(sid, newSid)); // finds nothing stored
        afterWhatTheRotationDoesOnceReported();
        lateCreate.release().run();

        assertOldIdIsEmpty();
        assertThat(await(engines.open(store, Engines.settings()).recover(newSid, VIEW, MountKind.FRESH)).status())
                .as("the new id: the create was never acknowledged").isEqualTo(RecoveryStatus.NOT_FOUND);
    }

    @Test
    void aRotationThatMovedStateLeavesTheOldIdEmptyWhenAnEarlierTimedOutCreateLandsAfterIt() throws Exception {
        HeldBackend.Held lateCreate = stashWhoseCreateGetsNoAnswerInTime();
        await(engine.stash(sid, VIEW, Map.of("y", 2))); // acknowledged

        await(engine.rotate(sid, newSid)); // moves y=2, then finds nothing under the old id
        afterWhatTheRotationDoesOnceReported();
        lateCreate.release().run();

        assertOldIdIsEmpty();
        assertThat(await(engines.open(store, Engines.settings()).recover(newSid, VIEW, MountKind.FRESH)).values())
                .as("the new id").containsOnly(Map.entry("y", 2));
    }

    /** The late create lands between the rotation's last load and its write that would refuse it. */
    @Test
    void aTimedOutCreateThatLandsWhileTheRotationRefusesItIsRemoved() throws Exception {
        HeldBackend.Held lateCreate = stashWhoseCreateGetsNoAnswerInTime();
        await(engine.stash(sid, VIEW, Map.of("y", 2)));
        held.hold(Operation.PUT);
        held.onlyKey(oldKey()); // the copy to the new id goes through
        await(engine.rotate(sid, newSid));
        HeldBackend.Held refusal = held.next();
        held.stopHolding();
        lateCreate.release().run();
        refusal.release().run();

        afterWhatTheRotationDoesOnceReported();
        assertThat(engine.statistics().conflicts()).as("conflicts counted").isEqualTo(1);
        assertNoStateStoredUnderTheOldId();
        assertOldIdIsEmpty();
        assertThat(await(engines.open(store, Engines.settings()).recover(newSid, VIEW, MountKind.FRESH)).values())
                .as("the new id").containsOnly(Map.entry("y", 2));
    }

    @Test
    void anEndedSessionStaysEmptyWhenACreateThatFailedWithAnAnswerLandsAfterTheEnd() throws Exception {
        Runnable lateCopy = stashWhoseCreateFailsWhileACopyIsOnItsWay();

        await(lateCopyEngine.end(sid)); // finds nothing stored
        lateCopy.run();

        assertOldIdIsEmpty(lateCopyEngine);
    }

    @Test
    void aRotatedAwayIdStaysEmptyWhenACreateThatFailedWithAnAnswerLandsAfterTheRotation() throws Exception {
        Runnable lateCopy = stashWhoseCreateFailsWhileACopyIsOnItsWay();

        await(lateCopyEngine.rotate(sid, newSid)); // finds nothing stored
        await(lateCopyEngine.recover(sid, VIEW, MountKind.FRESH)); // after what the rotation does once reported
        lateCopy.run();

        assertOldIdIsEmpty(lateCopyEngine);
    }

    @Test
    void aResetIsNotUndoneByACreateThatFailedBeforeItAndLandsAfterItOnASingleInstance() throws Exception {
        StashAdapter singleInstance = engines.open(Engines.withPut(store, this::failingOnceWithACopyOnItsWay),
                Engines.settings().revalidateOnMount(false));
        Runnable lateCopy = stashWhoseCreateFailsWhileACopyIsOnItsWay(singleInstance);

        await(singleInstance.reset(sid, VIEW)); // acknowledged: nothing stored, nothing to store
        lateCopy.run();
        await(singleInstance.stash(sid, VIEW, Map.of("y", 2)));

        assertThat(await(singleInstance.recover(sid, VIEW, MountKind.REJOIN)).values())
                .as("after the acknowledged reset and the stash of y=2").containsOnly(Map.entry("y", 2));
    }

    /** No sticky sessions: the logout is served by another instance than the stash whose create is late. */
    @Test
    void anEndOnAnotherInstanceLeavesTheIdEmptyWhenThisInstancesTimedOutCreateLandsAfterIt() throws Exception {
        HeldBackend.Held lateCreate = stashWhoseCreateGetsNoAnswerInTime();
        StashAdapter otherInstance = engines.open(store, Engines.settings());

        await(otherInstance.end(sid)); // finds nothing stored
        lateCreate.release().run();

        assertOldIdIsEmpty(otherInstance);
    }

    /**
     * An end that finds only an empty document removes nothing, but writes it again (one PUT, a new version):
     * a stash still in flight with If-Match on the version read must not land after the end
     * ({@link LateWriteAfterEndOnAnEmptyDocumentFailsTests}).
     */
    @Test
    void anEndOfASessionThatHoldsOnlyAnEmptyDocumentWritesItAgainAndRemovesNothing() throws Exception {
        await(engine.stash(sid, VIEW, Map.of("x", 1)));
        await(engine.end(sid)); // removes x=1, then leaves an empty document
        StashStatistics before = engine.statistics();

        await(engine.end(sid));

        StashStatistics after = engine.statistics();
        assertThat(after.puts() - before.puts()).as("PUTs of the second end").isEqualTo(1);
        assertThat(after.deletes() - before.deletes()).as("DELETEs of the second end").isZero();
        assertOldIdIsEmpty(engine);
    }

    /**
     * While the secret is rotated, instances of the second step (current secret B) create the session under
     * B's key, which instances of the first step (current A, next B) read first: an end on a first-step
     * instance leaves an empty document under both keys. (A second-step instance's document under B's key
     * hides anything that lands under A's from both steps, which read B's key first.)
     */
    @Test
    void anEndOnAFirstStepInstanceOfASecretRotationRefusesALateCreateUnderEitherKey() throws Exception {
        StashAdapter firstStep = engines.open(store, SecretRotationSteps.stepOne());
        await(firstStep.end(sid));

        for (String secret : List.of(SecretRotationTests.A, SecretRotationTests.B)) {
            String key = EncryptionAtRestTests.key(secret, sid);
            assertThat(await(store.put(key, "{}".getBytes(StandardCharsets.UTF_8), Precondition.absent())))
                    .as("a late create under the key of secret %s", secret).isInstanceOf(PutResult.PreconditionFailed.class);
        }
    }

    private Runnable stashWhoseCreateFailsWhileACopyIsOnItsWay() throws Exception {
        return stashWhoseCreateFailsWhileACopyIsOnItsWay(lateCopyEngine);
    }

    /**
     * A stash of x=1 whose create fails at once, as the S3 backend answers when its answers were lost and a
     * read found the write not applied: a copy may still be on its way.
     *
     * @return lands the copy (unless something is stored there by then)
     */
    private Runnable stashWhoseCreateFailsWhileACopyIsOnItsWay(StashAdapter on) throws Exception {
        failNextPut = true;
        Throwable failure = failureOf(on.stash(sid, VIEW, Map.of("x", 1)));
        assertThat(failure).as("the stash whose create failed").isInstanceOf(StashWriteException.class);
        Runnable copy = lateCopy;
        assertThat(copy).as("the copy on its way").isNotNull();
        return copy;
    }

    private CompletionStage<PutResult> failingOnceWithACopyOnItsWay(String key, byte[] body, Precondition precondition) {
        if (!failNextPut) {
            return store.put(key, body, precondition);
        }
        failNextPut = false;
        byte[] copy = body.clone();
        lateCopy = () -> store.put(key, copy, precondition).toCompletableFuture().join();
        return CompletableFuture.failedFuture(new StorageException("PUT of " + key + " failed: 503, and a read found "
                + "it not applied: no copy of this write is stored (one whose answer was lost may still land)"));
    }

    /**
     * A stash of x=1 whose create the store holds past the operation timeout: the caller is told it
     * failed, and the create is still on its way.
     *
     * @return the held create; released, it lands (unless something is stored there by then)
     */
    private HeldBackend.Held stashWhoseCreateGetsNoAnswerInTime() throws Exception {
        held.hold(Operation.PUT);
        Throwable failure = failureOf(engine.stash(sid, VIEW, Map.of("x", 1)));
        assertThat(failure).as("the stash whose create got no answer in time").isInstanceOf(StashTimeoutException.class);
        HeldBackend.Held create = held.next();
        held.stopHolding();
        return create;
    }

    /**
     * A rotation is reported once the state is gone under the old id; the actor's steps that look at
     * the old id's keys again follow, before any later operation of that id: one is queued behind them.
     */
    private void afterWhatTheRotationDoesOnceReported() throws Exception {
        await(engine.recover(sid, VIEW, MountKind.FRESH));
    }

    private String oldKey() throws Exception {
        return EncryptionAtRestTests.key(Engines.SECRET, sid);
    }

    /**
     * The late create met an object and was refused, or landed and was removed: nothing, or an empty
     * document (should the answer to the late create reach the engine only after the end's last load,
     * it refuses it again), under the old id's key.
     */
    private void assertNoStateStoredUnderTheOldId() throws Exception {
        byte[] stored = store.read(oldKey()).orElse(null);
        if (stored != null) {
            assertThat(SessionDocument.parse(stored).hasViews()).as("stored under the old id's key: %s",
                    new String(stored, StandardCharsets.UTF_8)).isFalse();
        }
    }

    private void assertOldIdIsEmpty() throws Exception {
        assertOldIdIsEmpty(engine);
    }

    private void assertOldIdIsEmpty(StashAdapter thisInstance) throws Exception {
        Recovery fromAnotherInstance = await(engines.open(store, Engines.settings()).recover(sid, VIEW, MountKind.FRESH));
        assertThat(fromAnotherInstance.status()).as("the old id, read by another instance (values %s, keys %s)",
                fromAnotherInstance.values(), store.keys()).isEqualTo(RecoveryStatus.NOT_FOUND);
        Recovery fromThisOne = await(thisInstance.recover(sid, VIEW, MountKind.FRESH));
        assertThat(fromThisOne.status()).as("the old id, read by this instance (values %s)", fromThisOne.values())
                .isEqualTo(RecoveryStatus.NOT_FOUND);
    }
}
