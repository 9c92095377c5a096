package com.example.s3;

import org.junit.jupiter.api.Test;

import dev.durablestash.storage.s3.S3StorageBackend;

import static org.assertj.core.api.Assertions.assertThat;

/** Builds the backend of docs/s3.md's example (it sends no request until used). */
class S3StashTests {

    @Test
    void theBackendIsBuiltForTheBucket() {
        try (S3StorageBackend backend = S3Stash.backend()) {
            assertThat(backend.describe()).contains("my-app-sessions");
        }
    }
}
