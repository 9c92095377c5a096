package dev.durablestash.storage.s3;

import java.net.URI;

import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * The benchmarks' door to the tests' in-process S3 server ({@code S3TestServer} of the core test jar:
 * S3Proxy on loopback over its transient store, with conditional writes made atomic), and to the
 * client the tests configure as an application would ({@code AppClients}). It lives in the tests'
 * package because those classes are package-private; it adds nothing to them.
 */
public final class BenchmarkS3 {

    private BenchmarkS3() {
    }

    /** @return the server's endpoint (started on first use, stopped when the JVM exits) */
    public static URI endpoint() {
        return S3TestServer.shared().endpoint();
    }

    /**
     * @param name a bucket name prefix (lowercase letters, digits, hyphens)
     * @return the name of a new, empty bucket
     */
    public static String createBucket(String name) {
        return S3TestServer.shared().createBucket(name);
    }

    /** @return the shared client an application would configure for this server; do not close it */
    public static S3AsyncClient appClient() {
        return AppClients.of(endpoint());
    }

    /**
     * @return the shared write client an application would configure beside {@link #appClient()} (the same
     *     settings, no retries, as {@code S3StorageBackend.Builder.writeClient} documents); do not close it
     */
    public static S3AsyncClient appWriteClient() {
        return AppClients.writerOf(endpoint());
    }

    /**
     * @param bucket a bucket
     * @return a backend on {@link #appClient()} for reads and {@link #appWriteClient()} for writes
     */
    public static S3StorageBackend backend(String bucket) {
        return S3StorageBackend.builder().bucket(bucket).client(appClient()).writeClient(appWriteClient()).build();
    }
}
