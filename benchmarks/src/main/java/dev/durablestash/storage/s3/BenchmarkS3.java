package dev.durablestash.storage.s3;

import java.net.URI;

import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The benchmarks' door to the tests' in-process S3 server ({@code S3TestServer} of the core test jar:
 * S3Proxy on loopback over its transient store on blocks of 1 KiB, with conditional writes made
 * atomic), and to the client the tests configure as an application would ({@code AppClients}), and to
 * what the backend's PUTs carry (its content type with a write id, for raw PUTs shaped like the
 * engine's). It lives in the backend's package because those classes and constants are
 * package-private; it adds nothing to them.
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
     * @param request a PUT
     * @return the same builder, given what every PUT of the backend carries besides its key, body and
     *     precondition: its content type, which names a write id of its own
     */
    public static PutObjectRequest.Builder withTheBackendsHeaders(PutObjectRequest.Builder request) {
        return request.contentType(CompareAndSwap.contentType(CompareAndSwap.newWriteId()));
    }

    /**
     * @param bucket a bucket
     * @return a backend on {@link #appClient()} for reads and {@link #appWriteClient()} for writes
     */
    public static S3StorageBackend backend(String bucket) {
        return S3StorageBackend.builder().bucket(bucket).client(appClient()).writeClient(appWriteClient()).build();
    }
}
