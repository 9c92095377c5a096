package dev.durablestash.storage.s3;

import java.net.URI;
import java.time.Duration;

/**
 * The JVM's shared in-process S3 test server ({@link S3TestServer}: S3Proxy with atomic conditional
 * writes, as on AWS S3) for the tests of other modules, e.g. a sample started as a child process that
 * is pointed at it with {@code durable-stash.storage.s3.endpoint}, path-style addressing, region
 * {@code us-east-1} and the static credentials below. Tests isolate themselves by bucket.
 *
 * <p><b>Thread-safety:</b> thread-safe. The server starts on first use and stops when the JVM exits.
 */
public final class InProcessS3Server {

    /** Access key id the server accepts. */
    public static final String ACCESS_KEY_ID = S3TestServer.ACCESS_KEY;

    /** Secret access key the server accepts. */
    public static final String SECRET_ACCESS_KEY = S3TestServer.SECRET_KEY;

    private InProcessS3Server() {
    }

    /** @return the server's endpoint, {@code http://127.0.0.1:PORT}; starts the server on first call */
    public static URI endpoint() {
        return S3TestServer.shared().endpoint();
    }

    /**
     * @param name a name for the bucket (lowercase letters, digits, hyphens)
     * @return the name of a new, empty bucket: {@code name} plus a unique suffix
     */
    public static String createBucket(String name) {
        return S3TestServer.shared().createBucket(name);
    }

    /**
     * Makes every operation (GET, PUT, DELETE) on {@code bucket} wait before it runs, until set back
     * to {@link Duration#ZERO}.
     *
     * @param bucket a bucket of this server
     * @param delay how long each operation waits
     */
    public static void delayOperations(String bucket, Duration delay) {
        S3TestServer.shared().faults(bucket).delay(delay);
    }

    /**
     * @param bucket a bucket of this server
     * @return the PUTs the server received for it (applied or not)
     */
    public static long puts(String bucket) {
        return S3TestServer.shared().faults(bucket).puts.sum();
    }
}
