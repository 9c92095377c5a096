package dev.durablestash.storage.s3;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageBackendContractTests;
import dev.durablestash.testsupport.RequiresDocker;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * Runs the backend contract suite against {@link S3StorageBackend} on LocalStack, in a container,
 * when a Docker engine is available; skipped otherwise, with one line saying so
 * ({@link RequiresDocker}). The image can be changed with
 * {@code -Dlocalstack.image=localstack/localstack:TAG}.
 *
 * <p>LocalStack does not evaluate {@code If-Match} on {@code DeleteObject} for general-purpose
 * buckets (it rejects the header), so this runs the backend in {@link ConditionalDeletes#EMULATED}
 * mode, the documented setting for such stores.
 */
@Testcontainers
@ExtendWith(RequiresDocker.class) // skipped with one line saying why when there is no Docker
class LocalStackS3StorageBackendContractTests extends StorageBackendContractTests {

    private static final String BUCKET = "durable-stash-contract";

    @Container
    static final LocalStackContainer LOCALSTACK = new LocalStackContainer(
            DockerImageName.parse(System.getProperty("localstack.image", "localstack/localstack:4.9"))
                    .asCompatibleSubstituteFor("localstack/localstack"))
            .withServices("s3");

    private static S3AsyncClient client;

    @BeforeAll
    static void createBucket() {
        client = S3AsyncClient.builder()
                .endpointOverride(LOCALSTACK.getEndpoint())
                .region(Region.of(LOCALSTACK.getRegion()))
                .forcePathStyle(true)
                .credentialsProvider(credentials())
                .build();
        client.createBucket(b -> b.bucket(BUCKET)).join();
    }

    @AfterAll
    static void closeClient() {
        if (client != null) {
            client.close();
        }
    }

    @Override
    protected StorageBackend createBackend() {
        return S3StorageBackend.builder()
                .bucket(BUCKET)
                .client(client)
                .conditionalDeletes(ConditionalDeletes.EMULATED)
                .build();
    }

    private static StaticCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(
                AwsBasicCredentials.create(LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey()));
    }
}
