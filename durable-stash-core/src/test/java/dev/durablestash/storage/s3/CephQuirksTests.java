package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.core.StashWriteException;
import dev.durablestash.core.ViewDefinition;
import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageException;
import dev.durablestash.storage.s3.CephRgwExtension.CephRgwTest;
import dev.durablestash.testsupport.Stages;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;

/**
 * Ceph RGW 16.2's departures from S3, each met by the backend's defaults: it refuses {@code If-Match}
 * with a quoted current ETag, ignores {@code If-Match} on DELETE, and cannot read the SDK's default
 * chunked, checksummed uploads. (The contract suite, {@link CephStorageBackendContractTests}, shows the
 * rest.)
 */
@CephRgwTest
class CephQuirksTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private String bucket;

    @BeforeEach
    void createBucket() {
        bucket = CephRgwExtension.rgw().createBucket("quirks");
    }

    @Test
    void theStoreCheckLearnsToSendIfMatchUnquotedAndKeepsConditionalDeletesEmulated() {
        try (S3StorageBackend backend = CephRgwExtension.rgw().backendBuilder(bucket).build()) {
            S3StoreCheck check = backend.checkStore("durable-stash/store-check", TIMEOUT);

            System.out.println(check.summary());
            assertThat(check.safe()).as("problems: %s", check.problems()).isTrue();
            assertThat(check.summary()).contains("ETag sent unquoted (the store refuses the quoted form)",
                    "stale replace refused", "conditional GET 304",
                    "conditional DELETE ignored, deletes emulated with tombstones", "replace of a missing key refused");
            assertThat(backend.sendsIfMatchUnquoted()).isTrue();
            assertThat(CephRgwExtension.rgw().client().listObjectsV2(b -> b.bucket(bucket)).join().keyCount())
                    .as("objects left by the check").isZero();
        }
    }

    @Test
    void theGatewayKeepsTheContentTypeThatNamesEachWrite() throws Exception {
        try (S3StorageBackend backend = CephRgwExtension.rgw().backendBuilder(bucket).build()) {
            written(backend.put("doc", Stages.utf8("v1"), Precondition.absent()));

            String contentType = CephRgwExtension.rgw().client().headObject(b -> b.bucket(bucket).key("doc")).join()
                    .contentType();
            assertThat(contentType).as("what a lost answer is resolved by").matches(
                    "application/octet-stream; durable-stash-write=[A-Za-z0-9_-]{16}\\.[a-z0-9]+");
        }
    }

    @Test
    void aStaleConditionalDeleteLeavesTheDocumentWithTheDefaultsEvenAfterTheCheck() throws Exception {
        try (S3StorageBackend backend = CephRgwExtension.rgw().backendBuilder(bucket).build()) {
            backend.checkStore("durable-stash/store-check", TIMEOUT);
            String stale = written(backend.put("doc", Stages.utf8("v1"), Precondition.absent()));
            String current = written(backend.put("doc", Stages.utf8("v2"), Precondition.matching(stale)));

            assertThat(Stages.await(backend.delete("doc", stale), TIMEOUT)).isFalse();
            assertThat(((GetResult.Found) Stages.await(backend.get("doc", null), TIMEOUT)).etag()).isEqualTo(current);
        }
    }

    @Test
    void withNativeDeletesPinnedTheCheckReportsThatTheStoreIgnoresIfMatchOnDelete() {
        try (S3StorageBackend backend = CephRgwExtension.rgw().backendBuilder(bucket)
                .conditionalDeletes(ConditionalDeletes.NATIVE).build()) {
            S3StoreCheck check = backend.checkStore("durable-stash/store-check", TIMEOUT);

            assertThat(check.safe()).isFalse();
            assertThat(check.problems()).anySatisfy(p -> assertThat(p).contains("ignores If-Match on DELETE"));
        }
    }

    @Test
    void aPinnedQuotedIfMatchFailsSayingTheStoreRefusedItsCurrentETagNotThatTheDocumentKeptChanging()
            throws Exception {
        try (S3StorageBackend backend = CephRgwExtension.rgw().backendBuilder(bucket).ifMatchForm(IfMatchForm.QUOTED)
                .build()) {
            String etag = written(backend.put("doc", Stages.utf8("v1"), Precondition.absent()));
            assertThatThrownBy(() -> Stages.await(backend.put("doc", Stages.utf8("v2"), Precondition.matching(etag)),
                    TIMEOUT))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("HTTP 412 although the object still has the ETag the PUT named")
                    .hasMessageContaining("try if-match-form=UNQUOTED");

            ViewDefinition view = ViewDefinition.builder("counter").key("count", Long.class).build();
            String sid = SessionIds.newSid();
            try (StashAdapter adapter = new StashAdapter(backend,
                    StashSettings.builder().secret("ceph-quirks-secret-0123456789abcdef").build())) {
                Stages.await(adapter.stash(sid, view, Map.of("count", 1L)), TIMEOUT);
                assertThatThrownBy(() -> Stages.await(adapter.stash(sid, view, Map.of("count", 2L)), TIMEOUT))
                        .isInstanceOf(StashWriteException.class)
                        .satisfies(e -> assertThat(String.valueOf(e.getMessage()) + e.getCause())
                                .doesNotContain("kept changing")
                                .contains("still has the ETag"));
            }
        }
    }

    @Test
    void aBackendOnAClientWithTheSdkDefaultChecksumsWritesToo() throws Exception {
        // The SDK's defaults: a CRC32 on every upload, sent aws-chunked with a trailer.
        try (S3AsyncClient sdkDefaults = S3AsyncClient.builder()
                .endpointOverride(CephRgwExtension.rgw().endpoint())
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY)))
                .build();
                S3StorageBackend backend = S3StorageBackend.builder().client(sdkDefaults).bucket(bucket).build()) {
            String etag = written(backend.put("doc", Stages.utf8("v1"), Precondition.absent()));
            written(backend.put("doc", Stages.utf8("v2"), Precondition.matching(etag)));
            assertThat(((GetResult.Found) Stages.await(backend.get("doc", null), TIMEOUT)).body())
                    .isEqualTo(Stages.utf8("v2"));
        }
    }

    @Test
    void aWriteClientWithTheSdkDefaultsButNoRetriesAndNoUploadChecksumsWritesPlainBodiesToo() throws Exception {
        // The SDK's defaults (chunked encoding on) but for what S3StorageBackend.Builder.writeClient asks.
        try (S3AsyncClient sdkDefaults = sdkDefaults().build();
                S3AsyncClient writer = AppClients.forWrites(sdkDefaults()).build();
                S3StorageBackend backend = S3StorageBackend.builder().client(sdkDefaults).writeClient(writer)
                        .bucket(bucket).build()) {
            String etag = written(backend.put("doc", Stages.utf8("v1"), Precondition.absent()));
            written(backend.put("doc", Stages.utf8("v2"), Precondition.matching(etag)));
            assertThat(((GetResult.Found) Stages.await(backend.get("doc", null), TIMEOUT)).body())
                    .isEqualTo(Stages.utf8("v2"));
        }
    }

    private static S3AsyncClientBuilder sdkDefaults() {
        return S3AsyncClient.builder()
                .endpointOverride(CephRgwExtension.rgw().endpoint())
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY)));
    }

    private static String written(java.util.concurrent.CompletionStage<PutResult> stage) throws Exception {
        PutResult result = Stages.await(stage, TIMEOUT);
        assertThat(result).isInstanceOf(PutResult.Written.class);
        return ((PutResult.Written) result).etag();
    }
}
