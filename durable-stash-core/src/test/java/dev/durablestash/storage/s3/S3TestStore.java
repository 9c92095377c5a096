package dev.durablestash.storage.s3;

import java.net.URI;

import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * An S3 store the shared S3 test suites run against: the in-process {@link S3TestServer} (S3Proxy), or
 * a {@link CephRgw} gateway. Tests isolate themselves by bucket.
 */
interface S3TestStore {

    /** @return the store's endpoint */
    URI endpoint();

    /** @return a raw SDK client for the store, shared: do not close it */
    S3AsyncClient client();

    /**
     * @param name a name for the bucket (lowercase letters, digits, hyphens)
     * @return the name of a new, empty bucket
     */
    String createBucket(String name);

    /**
     * @param bucket a bucket
     * @return a builder on a client configured as an application would configure one (see {@link AppClients})
     */
    S3StorageBackend.Builder backendBuilder(String bucket);
}
