package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.testsupport.MutableClock;

/** At-rest encryption: what a bucket writer and the documented migration can do. */
class EncryptionThreatModelTests {

    static final String A = EncryptionAtRestTests.A;
    static final String B = EncryptionAtRestTests.B;
    static final Duration TTL = Duration.ofDays(7);
    static final ViewDefinition VIEW = EncryptionAtRestTests.VIEW;

    @RegisterExtension
    final OpenEngines engines = new OpenEngines();

    final MapStorageBackend store = new MapStorageBackend();
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
    final String sid = SessionIds.newSid();

    StashSettings.Builder plain() {
        return StashSettings.builder().secret(A).ttl(TTL).clock(clock);
    }

    StashSettings.Builder encrypted() {
        return plain().encryptAtRest(true);
    }

    @Test
    void anExpiredPlainDocumentLeftAfterTheMigrationReadsAsAbsentNotAsAnError() throws Exception {
        await(engines.open(store, plain()).stash(sid, VIEW, Map.of("title", "long gone")));
        // One ttl after encryption was switched on, accept-plain-documents is removed, as the README says;
        // this session never came back and its plain document is still there (the S3 lifecycle rule
        // removes it one day after its expiry; the filesystem sweeper never, see ExpirySweeperEdgeCaseTests).
        clock.advance(TTL.plusHours(1));

        Recovery recovery = await(engines.open(store, encrypted()).recover(sid, VIEW, MountKind.FRESH));
        assertThat(recovery.status()).as("an expired document is absent").isEqualTo(RecoveryStatus.NOT_FOUND);
    }

    /**
     * Documents a limit of the threat model (README, "At-rest encryption"): an envelope is bound to
     * its storage key and authenticated, but not to a version. Someone who can write to the bucket
     * can put back an older envelope of the same key, and it is served: rollback. Freshness is not
     * protected (nor is deletion); this test pins that documented behaviour so that a change to it is
     * noticed.
     */
    @Test
    void anOlderEnvelopeOfTheSameKeyReplayedByABucketWriterIsServedAsDocumented() throws Exception {
        StashAdapter engine = engines.open(store, encrypted());
        await(engine.stash(sid, VIEW, Map.of("title", "balance: 100")));
        String key = EncryptionAtRestTests.key(A, sid);
        byte[] older = store.read(key).orElseThrow();
        await(engine.stash(sid, VIEW, Map.of("title", "balance: 0")));

        store.write(key, older); // the bucket writer puts back a version it saw before

        Recovery recovery = await(engines.open(store, encrypted()).recover(sid, VIEW, MountKind.FRESH));
        assertThat(recovery.values()).as("rolled back: encryption does not protect freshness")
                .containsEntry("title", "balance: 100");
    }
}
