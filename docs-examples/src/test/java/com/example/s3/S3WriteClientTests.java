package com.example.s3;

import org.junit.jupiter.api.Test;

import dev.durablestash.storage.s3.S3StorageBackend;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import static org.assertj.core.api.Assertions.assertThat;

/** Builds the backend of docs/s3.md's "A client for writes" (its build refuses a write client that retries). */
class S3WriteClientTests {

    @Test
    void theBackendAcceptsTheWriteClientOfTheExample() {
        try (S3AsyncClient client = S3Stash.client(); S3AsyncClient writeClient = S3WriteClient.writeClient();
                S3StorageBackend backend = S3WriteClient.backend(client, writeClient)) {
            assertThat(backend.describe()).contains("my-app-sessions");
        }
    }
}
