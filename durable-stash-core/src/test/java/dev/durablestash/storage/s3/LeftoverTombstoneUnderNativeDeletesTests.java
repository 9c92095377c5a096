package dev.durablestash.storage.s3;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;

/**
 * A tombstone left by an emulated delete (AUTO before or without a successful store check, or EMULATED; its
 * plain DELETE failed, or the process died between the two requests) reads as absent on every backend. With
 * conditional-deletes=native, a create used not to look at what refused it, so the key could never be
 * created again, however old the tombstone: the session's every stash failed until a lifecycle rule removed
 * the object. A document in the way still refuses the create.
 */
class LeftoverTombstoneUnderNativeDeletesTests {

    private final S3TestServer server = S3TestServer.shared();
    private String bucket;
    private BucketFaults faults;

    @BeforeEach
    void createBucket() {
        bucket = server.createBucket("tombnative");
        faults = server.faults(bucket);
    }

    @AfterEach
    void reset() {
        faults.reset();
    }

    @Test
    void anAbandonedTombstoneLeftByAnEarlierEmulatedDeleteDoesNotBlockCreatesAfterSwitchingToNative() throws Exception {
        try (S3StorageBackend before = S3StorageBackend.builder().client(server.client()).bucket(bucket)
                .conditionalDeletes(ConditionalDeletes.AUTO).build();
                S3StorageBackend nativeDeletes = S3StorageBackend.builder().client(server.client()).bucket(bucket)
                        .conditionalDeletes(ConditionalDeletes.NATIVE).abandonedTombstoneAge(Duration.ZERO).build()) {
            String etag = ((PutResult.Written) await(before.put("doc", utf8("v1"), Precondition.absent()))).etag();
            faults.failDeletes(1.0); // the tombstone PUT lands, its plain DELETE fails
            assertThat(await(before.delete("doc", etag))).isTrue();
            faults.reset();

            // The next deployment pins native deletes; the user of that session comes back.
            assertThat(await(nativeDeletes.get("doc", null))).isInstanceOf(GetResult.NotFound.class);
            assertThat(await(nativeDeletes.put("doc", utf8("new"), Precondition.absent())))
                    .as("a create of a key that reads as absent (an abandoned tombstone), with NATIVE deletes")
                    .isInstanceOf(PutResult.Written.class);
        }
    }

    @Test
    void aDocumentUnderTheKeyStillRefusesACreateWithNativeDeletes() throws Exception {
        try (S3StorageBackend nativeDeletes = S3StorageBackend.builder().client(server.client()).bucket(bucket)
                .conditionalDeletes(ConditionalDeletes.NATIVE).abandonedTombstoneAge(Duration.ZERO).build()) {
            String etag = ((PutResult.Written) await(nativeDeletes.put("doc", utf8("v1"), Precondition.absent())))
                    .etag();

            assertThat(await(nativeDeletes.put("doc", utf8("v2"), Precondition.absent())))
                    .as("a create of a key that holds a document").isInstanceOf(PutResult.PreconditionFailed.class);
            assertThat(await(nativeDeletes.get("doc", null))).isInstanceOfSatisfying(GetResult.Found.class,
                    (found) -> assertThat(found.etag()).isEqualTo(etag));
        }
    }
}
