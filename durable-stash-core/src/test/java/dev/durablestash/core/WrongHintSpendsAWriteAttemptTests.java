package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A wrong hint of stashUnderNewSid costs a read and a retry, not a compare-and-swap attempt: counted
 * against maxWriteAttempts (with a backoff), with one attempt allowed a stash under a new sid whose actor
 * was evicted after the session's first write failed with a StashConflictException on an uncontended
 * session (one instance, one caller), where the same stash sent by stash() is written.
 */
class WrongHintSpendsAWriteAttemptTests {

    static final String SECRET = "secret-of-these-tests-0123456789abcdef";
    static final ViewDefinition VIEW = ViewDefinition.builder("v").key("a", Long.class).key("b", Long.class).build();

    @RegisterExtension
    final OpenEngines engines = new OpenEngines();

    @Test
    void anUncontendedStashWhoseHintIsWrongIsWrittenWithOneWriteAttempt() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        StashAdapter adapter = engines.open(store, StashSettings.builder().secret(SECRET).maxWriteAttempts(1)
                .actorIdleTimeout(Duration.ofMillis(100)));
        String sid = SessionIds.newSid();
        await(adapter.stashUnderNewSid(sid, VIEW, Map.of("a", 1L))); // the request's first view: a create

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (adapter.statistics().liveActors() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(adapter.statistics().liveActors()).as("the actor was evicted").isZero();

        // Another view of the same request, recovered under the same new sid, stashes now.
        assertThatCode(() -> await(adapter.stashUnderNewSid(sid, VIEW, Map.of("b", 2L)))).doesNotThrowAnyException();
        assertThat(await(adapter.recover(sid, VIEW, MountKind.REJOIN)).values()).isEqualTo(Map.of("a", 1L, "b", 2L));
    }
}
