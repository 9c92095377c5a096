package com.example.s3;

import dev.durablestash.storage.s3.S3StorageBackend;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

class S3WriteClient {
  static S3AsyncClient writeClient() {                       // yours too: close it after the backend
    return S3AsyncClient.builder()
        .region(Region.EU_WEST_1)                            // the same settings as your client
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .build();
  }

  static S3StorageBackend backend(S3AsyncClient client, S3AsyncClient writeClient) {
    return S3StorageBackend.builder()
        .bucket("my-app-sessions")
        .client(client)
        .writeClient(writeClient)                            // PUTs and DELETEs, configured once
        .build();
  }
}
