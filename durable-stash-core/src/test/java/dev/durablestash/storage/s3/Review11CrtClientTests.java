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
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * Review: the application's S3AsyncClient bean is often the AWS CRT-based one
 * ({@code S3AsyncClient.crtBuilder()}, what S3TransferManager wants). The starter uses it as it is and
 * always sets both per-request call timeouts.
 */
class Review11CrtClientTests {

    private final S3TestServer server = S3TestServer.shared();
    private String bucket;
    private BucketFaults faults;
    private S3AsyncClient crt;

    @BeforeEach
    void createBucket() {
        bucket = server.createBucket("review11crt");
        faults = server.faults(bucket);
        crt = S3AsyncClient.crtBuilder()
                .endpointOverride(server.endpoint())
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY)))
                .build();
    }

    @AfterEach
    void cleanUp() {
        faults.reset();
        crt.close();
    }

    /** As the starter builds the backend on the application's client: with both call timeouts. */
    @Test
    void theBackendWorksOnACrtClientWithTheStartersCallTimeouts() throws Exception {
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(crt)
                .apiCallTimeout(Duration.ofSeconds(5)).apiCallAttemptTimeout(Duration.ofMillis(2500)).build()) {
            assertThat(await(backend.put("doc", utf8("v1"), Precondition.absent())))
                    .isInstanceOf(PutResult.Written.class);
            assertThat(await(backend.get("doc", null))).isInstanceOf(GetResult.Found.class);
        }
    }

    /** Without timeouts: does the CRT client still retry a conditional write natively? */
    @Test
    void aCrtClientDoesNotRetryAWriteAppliedButAnsweredWithAServerError() throws Exception {
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(crt).build()) {
            faults.failAfterWrite(1.0);
            PutResult result = await(backend.put("doc", utf8("applied"), Precondition.absent()));
            assertThat(result).as("the backend's own write (PUTs reaching the store: " + faults.puts.sum() + ")")
                    .isInstanceOf(PutResult.Written.class);
            assertThat(faults.puts.sum()).as("PUTs reaching the store").isEqualTo(1);
        }
    }
}
