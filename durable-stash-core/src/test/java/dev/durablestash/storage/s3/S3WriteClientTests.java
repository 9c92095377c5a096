package dev.durablestash.storage.s3;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * The backend's writes on a client configured once for them (no retries, plain bodies), given with
 * {@code Builder.writeClient} or being the application's only client: PUTs and DELETEs go through it
 * without a per-request plugin, and a write whose answer was lost is still never retried by the SDK.
 */
class S3WriteClientTests {

    private final S3TestServer server = S3TestServer.shared();
    private String bucket;
    private BucketFaults faults;

    @BeforeEach
    void createBucket() {
        bucket = server.createBucket("writes");
        faults = server.faults(bucket);
    }

    @AfterEach
    void cleanUp() {
        faults.reset();
        server.cuttingProxy().cutNext(0);
    }

    @Test
    void putsAndDeletesGoThroughTheWriteClientWithoutAPerRequestPluginAndReadsThroughTheOther() throws Exception {
        Requests reads = new Requests();
        Requests writes = new Requests();
        try (S3AsyncClient reader = AppClients.builder(server.endpoint(), RequestChecksums.WHEN_REQUIRED)
                .overrideConfiguration(c -> c.retryStrategy(RetryMode.STANDARD).addExecutionInterceptor(reads)).build();
                S3AsyncClient writer = AppClients.forWrites(AppClients.builder(server.endpoint(), RequestChecksums.WHEN_REQUIRED)
                        .overrideConfiguration(c -> c.addExecutionInterceptor(writes))).build();
                S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(reader).writeClient(writer)
                        .conditionalDeletes(ConditionalDeletes.NATIVE).apiCallTimeout(Duration.ofSeconds(5)).build()) {
            String etag = ((PutResult.Written) await(backend.put("doc", utf8("v1"), Precondition.absent()))).etag();
            assertThat(await(backend.get("doc", etag))).isInstanceOf(GetResult.NotModified.class);
            assertThat(await(backend.delete("doc", etag))).isTrue();

            assertThat(writes.seen).containsExactly("PutObject plugins=0", "DeleteObject plugins=0");
            assertThat(reads.seen).containsExactly("GetObject plugins=0");
        }
    }

    @Test
    void aPutAppliedButAnsweredWithAServerErrorIsAcknowledgedAfterOneRequest() throws Exception {
        try (S3StorageBackend backend = withWriteClient(server.endpoint())) {
            faults.failAfterWrite(1.0);

            PutResult result = await(backend.put("doc", utf8("applied"), Precondition.absent()));

            assertThat(result).isInstanceOf(PutResult.Written.class);
            assertThat(faults.puts.sum()).as("PUTs reaching the store: the SDK did not retry").isEqualTo(1);
        }
    }

    @Test
    void aPutWhoseAnswerIsCutOffAfterItWasAppliedIsNotSentAgainButAcknowledged() throws Exception {
        try (S3StorageBackend backend = withWriteClient(server.cuttingProxy().endpoint())) {
            String first = ((PutResult.Written) await(backend.put("doc", utf8("v1"), Precondition.absent()))).etag();
            long cutsBefore = server.cuttingProxy().cuts();
            server.cuttingProxy().cutNext(1);

            PutResult result = await(backend.put("doc", utf8("v2"), Precondition.matching(first)));

            assertThat(server.cuttingProxy().cuts() - cutsBefore).as("answers cut").isEqualTo(1);
            assertThat(result).isInstanceOf(PutResult.Written.class);
            assertThat(faults.puts.sum()).as("PUTs reaching the store: the create and the cut one, no retry").isEqualTo(2);
        }
    }

    @Test
    void aPutRejectedWithAServerErrorIsSentAgainOnlyByTheBackendAfterAHead() {
        try (S3StorageBackend backend = withWriteClient(server.endpoint())) {
            faults.failBefore(1.0);

            assertThatThrownBy(() -> await(backend.put("doc", utf8("never"), Precondition.absent())))
                    .isInstanceOf(StorageException.class).hasMessageContaining("no copy of this write is stored");
            assertThat(faults.puts.sum()).as("the first PUT and the backend's two re-sends; no SDK retry").isEqualTo(3);
        }
    }

    @Test
    void aDeleteAnsweredWithAServerErrorIsNotRetried() {
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(AppClients.of(server.endpoint()))
                .writeClient(AppClients.writerOf(server.endpoint())).conditionalDeletes(ConditionalDeletes.NATIVE).build()) {
            faults.failDeletes(1.0);
            assertThatThrownBy(() -> await(backend.delete("doc", null))).isInstanceOf(StorageException.class);
            assertThat(faults.deletes.sum()).as("DELETEs reaching the store").isEqualTo(1);
        }
    }

    @Test
    void anApplicationsOnlyClientThatNeverRetriesWritesWithoutAPluginAndIsNotRetried() throws Exception {
        Requests requests = new Requests();
        try (S3AsyncClient client = AppClients.forWrites(AppClients.builder(server.endpoint(), RequestChecksums.WHEN_REQUIRED)
                .overrideConfiguration(c -> c.addExecutionInterceptor(requests))).build();
                S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            faults.failAfterWrite(1.0);
            assertThat(await(backend.put("doc", utf8("v1"), Precondition.absent()))).isInstanceOf(PutResult.Written.class);
            assertThat(faults.puts.sum()).isEqualTo(1);
            assertThat(requests.seen).startsWith("PutObject plugins=0");
        }
    }

    @Test
    void anApplicationsOnlyClientThatRetriesGetsThePluginOnWritesOnly() throws Exception {
        Requests requests = new Requests();
        try (S3AsyncClient client = AppClients.builder(server.endpoint(), RequestChecksums.WHEN_REQUIRED)
                .overrideConfiguration(c -> c.retryStrategy(RetryMode.STANDARD).addExecutionInterceptor(requests)).build();
                S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client)
                        .conditionalDeletes(ConditionalDeletes.NATIVE).build()) {
            await(backend.put("doc", utf8("v1"), Precondition.absent()));
            await(backend.get("doc", null));
            await(backend.delete("doc", null));
            assertThat(requests.seen).containsExactly("PutObject plugins=1", "GetObject plugins=0", "DeleteObject plugins=1");
        }
    }

    @Test
    void theBuilderRefusesAWriteClientThatRetriesOrComputesUploadChecksums() {
        try (S3AsyncClient retrying = AppClients.builder(server.endpoint(), RequestChecksums.WHEN_REQUIRED)
                .overrideConfiguration(c -> c.retryStrategy(RetryMode.STANDARD)).build();
                S3AsyncClient checksumming = AppClients.builder(server.endpoint(), RequestChecksums.WHEN_REQUIRED)
                        .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_SUPPORTED).build()) {
            assertThatThrownBy(() -> S3StorageBackend.builder().bucket(bucket).client(retrying).writeClient(retrying).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("write client").hasMessageContaining("up to 3 attempts");
            assertThatThrownBy(() -> S3StorageBackend.builder().bucket(bucket).client(retrying).writeClient(checksumming)
                    .build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checksums");
            S3StorageBackend.builder().bucket(bucket).client(retrying).writeClient(checksumming)
                    .requestChecksums(RequestChecksums.WHEN_SUPPORTED).build().close();
        }
    }

    private S3StorageBackend withWriteClient(java.net.URI endpoint) {
        return S3StorageBackend.builder().bucket(bucket).client(AppClients.of(endpoint)).writeClient(AppClients.writerOf(endpoint))
                .build();
    }

    /** Each request a client makes (one line per call, not per attempt), and how many plugins it carried. */
    private static final class Requests implements ExecutionInterceptor {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            String operation = context.request().getClass().getSimpleName().replace("Request", "");
            int plugins = context.request().overrideConfiguration().map(c -> c.plugins().size()).orElse(0);
            seen.add(operation + " plugins=" + plugins);
        }
    }
}
