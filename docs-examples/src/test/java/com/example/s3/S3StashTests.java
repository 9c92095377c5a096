package com.example.s3;

import org.junit.jupiter.api.Test;

import dev.durablestash.storage.s3.S3StorageBackend;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Builds the backend of docs/s3.md's example (it sends no request until used), on a client with the revalidation
 * interceptor.
 */
class S3StashTests {

    @Test
    void theBackendIsBuiltForTheBucket() {
        try (S3AsyncClient client = S3Stash.client(); S3StorageBackend backend = S3Stash.backend(client)) {
            assertThat(backend.describe()).contains("my-app-sessions");
            assertThat(client.serviceClientConfiguration().overrideConfiguration().executionInterceptors())
                    .contains(S3StorageBackend.revalidationInterceptor());
        }
    }
}
