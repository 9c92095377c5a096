package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A stash under a new sid makes the actor take the session as absent ({@link SessionStorage#assumeAbsent})
 * before anything is written. When that batch then wrote nothing (its only stash too large, failed), the
 * actor kept the assumed empty document as if it had been read: with revalidate-on-mount off (a single
 * instance), a later recover was answered from that cache, NOT_FOUND, while an acknowledged write was stored
 * under the sid (the hint was wrong: the session's earlier actor, evicted, wrote it). Now the guess is
 * dropped when nothing was written on it.
 */
class HintedStashTooLargeLeavesAnUnreadCacheTests {

    static final String SECRET = "secret-of-these-tests-0123456789abcdef";
    static final ViewDefinition VIEW = ViewDefinition.builder("v").key("a", Long.class).key("s", String.class)
            .key("t", String.class).build();

    @RegisterExtension
    final OpenEngines engines = new OpenEngines();

    @Test
    void aRecoverAfterAHintedStashThatWroteNothingStillSeesTheAcknowledgedWrite() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        StashAdapter adapter = engines.open(store, StashSettings.builder().secret(SECRET).revalidateOnMount(false)
                .actorIdleTimeout(Duration.ofSeconds(2)).maxDocumentBytes(2_000).maxValueBytes(2_000));
        String sid = SessionIds.newSid();
        await(adapter.stashUnderNewSid(sid, VIEW, Map.of("a", 1L))); // acknowledged: a=1 is stored

        // The session's actor is dropped (idle); the next stash of the same binding still says "new sid".
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (adapter.statistics().liveActors() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(adapter.statistics().liveActors()).as("the actor was evicted").isZero();

        String big = "x".repeat(1_200);
        long started = System.nanoTime();
        assertThatThrownBy(() -> await(adapter.stashUnderNewSid(sid, VIEW, Map.of("s", big, "t", big))))
                .isInstanceOf(StashWriteException.class).hasMessageContaining("max-document-size");

        Recovery recovery = await(adapter.recover(sid, VIEW, MountKind.REJOIN));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the new actor was not evicted meanwhile")
                .isLessThan(Duration.ofMillis(1_800));
        assertThat(recovery.status()).as("the acknowledged write of a=1 is stored")
                .isNotEqualTo(RecoveryStatus.NOT_FOUND);
        assertThat(recovery.values()).isEqualTo(Map.of("a", 1L));
    }
}
