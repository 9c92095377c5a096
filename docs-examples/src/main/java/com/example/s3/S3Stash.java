package com.example.s3;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.storage.s3.S3StorageBackend;

class S3Stash {
  static S3StorageBackend backend() {
    return S3StorageBackend.builder()
        .bucket("my-app-sessions")
        .region("eu-west-1")
        .build();
  }

  static StashAdapter adapter(S3StorageBackend backend) {    // close the adapter, then the backend
    return new StashAdapter(backend, StashSettings.builder()
        .secret(System.getenv("DURABLE_STASH_SECRET"))
        .keyPrefix("durable-stash/")                         // the default
        .build());
  }
}
