package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * The AWS CRT-based client ({@code S3AsyncClient.crtBuilder()}, what S3TransferManager wants, and
 * what an application's {@code S3AsyncClient} bean often is) cannot be used: it refused every request
 * that carried the per-request call timeouts ("Request-level apiCallAttemptTimeout override is not
 * supported", reported as outcome unknown), and without them it retried a conditional PUT that the
 * store applied and answered with 500, so the backend's own write came back as a precondition
 * failure. The backend refuses it up front, saying why.
 */
class S3CrtClientTests {

    @Test
    void aCrtClientIsRefusedSayingWhy() {
        try (S3AsyncClient crt = S3AsyncClient.crtBuilder()
                .endpointOverride(S3TestServer.shared().endpoint())
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY)))
                .build()) {
            assertThatIllegalArgumentException().isThrownBy(() -> S3StorageBackend.builder().bucket("stash").client(crt))
                    .withMessageContaining("CRT-based")
                    .withMessageContaining("S3AsyncClient.builder()");
        }
    }
}
