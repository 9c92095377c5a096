package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * A multipart-enabled client behind a wrapper that is no DelegatingS3AsyncClient (a JDK dynamic proxy, as Spring
 * AOP or a tracing or metrics decorator makes of an S3AsyncClient bean): its multipart downloader sends the
 * backend's revalidations as GETs of parts, whose 304s the interceptor leaves alone (rewritten, about one in four
 * was never answered, and the backend's call timeout did not end the wait).
 */
class RevalidationWrappedMultipartClientTests {

    private static final String KEY = "durable-stash/wrapped-multipart";

    private final S3TestServer server = S3TestServer.shared();
    private ConnectionCuttingProxy proxy;
    private String bucket;

    @BeforeEach
    void start() throws Exception {
        proxy = new ConnectionCuttingProxy(server.endpoint().getPort());
        bucket = server.createBucket("wrapped-multipart");
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
    }

    @Test
    void revalidationsOnAProxiedMultipartEnabledClientAllComplete() throws Exception {
        try (S3AsyncClient multipart = AppClients.builder(proxy.endpoint(), RequestChecksums.WHEN_REQUIRED)
                .multipartEnabled(true).build()) {
            S3AsyncClient wrapped = (S3AsyncClient) Proxy.newProxyInstance(S3AsyncClient.class.getClassLoader(),
                    new Class<?>[] {S3AsyncClient.class}, (p, method, args) -> {
                        try {
                            return method.invoke(multipart, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(wrapped).build()) {
                String etag = ((PutResult.Written) backend.put(KEY, "{\"v\":1}".getBytes(StandardCharsets.UTF_8),
                        Precondition.absent()).toCompletableFuture().get(30, TimeUnit.SECONDS)).etag();
                for (int i = 0; i < 60; i++) {
                    assertThat(backend.get(KEY, etag).toCompletableFuture().get(5, TimeUnit.SECONDS))
                            .as("revalidation %d", i).isInstanceOf(GetResult.NotModified.class);
                }
            }
        }
    }

    @Test
    void aHungRevalidationIsStillBoundedByTheBackendsCallTimeout() throws Exception {
        try (S3AsyncClient multipart = AppClients.builder(proxy.endpoint(), RequestChecksums.WHEN_REQUIRED)
                .multipartEnabled(true).build()) {
            S3AsyncClient wrapped = (S3AsyncClient) Proxy.newProxyInstance(S3AsyncClient.class.getClassLoader(),
                    new Class<?>[] {S3AsyncClient.class}, (p, method, args) -> {
                        try {
                            return method.invoke(multipart, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(wrapped)
                    .apiCallTimeout(Duration.ofSeconds(1)).apiCallAttemptTimeout(Duration.ofSeconds(1)).build()) {
                String etag = ((PutResult.Written) backend.put(KEY, "{\"v\":1}".getBytes(StandardCharsets.UTF_8),
                        Precondition.absent()).toCompletableFuture().get(30, TimeUnit.SECONDS)).etag();
                for (int i = 0; i < 60; i++) {
                    // Bounded at 1 s: whatever the outcome (NotModified or a failure), it must complete within 10 s.
                    CompletableFuture<GetResult> read = backend.get(KEY, etag).toCompletableFuture();
                    assertThat(read.handle((r, e) -> r != null ? r : String.valueOf(e))).as("revalidation %d, bounded by a 1 s call timeout", i)
                            .succeedsWithin(Duration.ofSeconds(10));
                }
            }
        }
    }
}
