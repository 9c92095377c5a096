package com.example.s3;

import java.time.Duration;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.storage.s3.S3StorageBackend;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

class S3Stash {
  static S3AsyncClient client() {                            // yours: you close it, after the backend
    return S3AsyncClient.builder()
        .region(Region.EU_WEST_1)
        .overrideConfiguration(c -> c.addExecutionInterceptor(S3StorageBackend.revalidationInterceptor()))
        .build();
  }

  static S3StorageBackend backend(S3AsyncClient client) {
    return S3StorageBackend.builder()
        .bucket("my-app-sessions")
        .client(client)
        .apiCallTimeout(Duration.ofSeconds(5))               // each call, below the engine's 10 s deadline
        .build();
  }

  static StashAdapter adapter(S3StorageBackend backend) {    // close the adapter, then the client
    return new StashAdapter(backend, StashSettings.builder()
        .secret(System.getenv("DURABLE_STASH_SECRET"))
        .keyPrefix("durable-stash/")                         // the default
        .build());
  }
}
