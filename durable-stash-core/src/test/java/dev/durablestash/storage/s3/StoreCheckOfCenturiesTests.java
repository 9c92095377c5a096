package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/**
 * The store check runs within the operation timeout, which an application may set to centuries to
 * mean "no deadline": one longer than a long of nanoseconds holds (about 292 years) threw
 * {@link ArithmeticException} before the check sent anything, failing startup.
 */
class StoreCheckOfCenturiesTests {

    private final S3TestServer server = S3TestServer.shared();

    @Test
    void aStoreCheckWithinCenturiesRunsAndPasses() {
        String bucket = server.createBucket("probe-centuries");
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(server.client()).build()) {
            S3StoreCheck check = backend.checkStore("durable-stash/store-check", Duration.ofDays(365L * 1_000));
            assertThat(check.safe()).as("problems: %s", check.problems()).isTrue();
        }
    }
}
