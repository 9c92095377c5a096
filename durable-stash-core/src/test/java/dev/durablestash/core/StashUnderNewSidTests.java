package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MapStorageBackend.Operation;

/**
 * {@link StashAdapter#stashUnderNewSid}: a stash under a session id its caller has just made writes
 * without reading storage first (a create); a wrong hint costs a read and a retry, never a write.
 */
class StashUnderNewSidTests {

    static final String OLD = "old-secret-of-these-tests-0123456789abcdef";
    static final String NEW = "new-secret-of-these-tests-0123456789abcdef";
    static final ViewDefinition VIEW = ViewDefinition.builder("v").key("a", Long.class).key("b", Long.class).build();

    @RegisterExtension
    final OpenEngines engines = new OpenEngines();

    @Test
    void theFirstStashUnderANewSidCreatesTheSessionWithoutReadingStorage() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        StashAdapter adapter = engines.open(store, StashSettings.builder().secret(OLD));
        String sid = SessionIds.newSid();

        await(adapter.stashUnderNewSid(sid, VIEW, Map.of("a", 1L)));
        await(adapter.stashUnderNewSid(sid, VIEW, Map.of("b", 2L))); // the actor knows the session now

        assertThat(store.count(Operation.GET)).as("GETs").isZero();
        assertThat(store.count(Operation.PUT)).as("PUTs").isEqualTo(2);
        StashAdapter other = engines.open(store, StashSettings.builder().secret(OLD));
        assertThat(await(other.recover(sid, VIEW, MountKind.REJOIN)).values()).isEqualTo(Map.of("a", 1L, "b", 2L));
    }

    @Test
    void aWrongHintIsACreateRefusedThenAReadAndAMergeNeverAnOverwrite() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        StashAdapter elsewhere = engines.open(store, StashSettings.builder().secret(OLD)); // another instance
        StashAdapter adapter = engines.open(store, StashSettings.builder().secret(OLD));
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
        StashAdapter adapter = engines.open(store, StashSettings.builder().secret(OLD));
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
        StashAdapter stepOne = engines.open(store, StashSettings.builder().secret(OLD).nextSecret(NEW));
        StashAdapter stepTwo = engines.open(store, StashSettings.builder().secret(NEW).previousSecrets(List.of(OLD)));

        await(stepOne.stashUnderNewSid(SessionIds.newSid(), VIEW, Map.of("a", 1L)));
        assertThat(store.count(Operation.GET)).as("GETs in the first step").isPositive();
        store.resetCounters();
        String sid = SessionIds.newSid();
        await(stepTwo.stashUnderNewSid(sid, VIEW, Map.of("a", 2L)));
        assertThat(store.count(Operation.GET)).as("GETs in the second step").isPositive();
        assertThat(await(stepOne.recover(sid, VIEW, MountKind.REJOIN)).values()).isEqualTo(Map.of("a", 2L));
    }
}
