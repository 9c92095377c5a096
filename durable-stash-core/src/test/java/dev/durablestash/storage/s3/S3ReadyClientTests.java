package dev.durablestash.storage.s3;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * The backend on a ready client: what the request overrides do on clients configured in ways
 * applications do configure them.
 */
class S3ReadyClientTests {

    private final S3TestServer server = S3TestServer.shared();
    private String bucket;
    private BucketFaults faults;

    @BeforeEach
    void createBucket() {
        bucket = server.createBucket("review11");
        faults = server.faults(bucket);
    }

    @AfterEach
    void cleanUp() {
        faults.reset();
    }

    /** A client configured with the legacy RetryPolicy (many applications, older Spring Cloud AWS). */
    @Test
    @SuppressWarnings("deprecation") // the legacy RetryPolicy on purpose: what many applications still configure
    void aClientWithALegacyRetryPolicyDoesNotRetryWrites() throws Exception {
        try (S3AsyncClient legacy = AppClients.builder(server.endpoint(), RequestChecksums.WHEN_REQUIRED)
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(30))
                        .retryPolicy(RetryPolicy.forRetryMode(RetryMode.STANDARD)))
                .build();
                S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(legacy).build()) {
            faults.failBefore(1.0);
            assertThatThrownBy(() -> await(backend.put("doc", utf8("never"), Precondition.absent())))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("the attempt before failed with");
            // The first and the backend's two re-sends; a PUT sent on a connection the test server closed after
            // its 500 fails before it reaches the store, so the store counts up to three (S3StorageBackendTests).
            assertThat(faults.puts.sum()).as("PUTs reaching the store: at most the first and the backend's two "
                    + "re-sends; no SDK retry").isBetween(1L, 3L);
        }
    }

    @Test
    @SuppressWarnings("deprecation") // the legacy RetryPolicy on purpose: what many applications still configure
    void aClientWithALegacyRetryPolicyDoesNotRetryDeletes() throws Exception {
        try (S3AsyncClient legacy = AppClients.builder(server.endpoint(), RequestChecksums.WHEN_REQUIRED)
                .overrideConfiguration(c -> c.retryPolicy(RetryPolicy.forRetryMode(RetryMode.STANDARD)))
                .build();
                S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(legacy)
                        .conditionalDeletes(ConditionalDeletes.NATIVE).build()) {
            faults.failDeletes(1.0);
            assertThatThrownBy(() -> await(backend.delete("doc", null))).isInstanceOf(StorageException.class);
            assertThat(faults.deletes.sum()).as("DELETEs reaching the store: no SDK retry").isEqualTo(1);
        }
    }

    /** The store check's own DELETE and HEAD requests carry no override: not bounded, and retried. */
    @Test
    void theStoreCheckIsBoundedByThePerRequestTimeoutsOnAClientWithoutTimeouts() {
        // server.client(): no call timeouts, 30 s socket timeout. Every GET, PUT and DELETE stalls 4 s.
        faults.delay(Duration.ofSeconds(4));
        try (S3StorageBackend bounded = S3StorageBackend.builder().bucket(bucket).client(server.client())
                .apiCallTimeout(Duration.ofMillis(600)).apiCallAttemptTimeout(Duration.ofMillis(300)).build()) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> bounded.checkStore("store-check.r11", Duration.ofSeconds(30)))
                    .isInstanceOf(StorageException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .as("a check whose every request is bounded at 600 ms").isLessThan(Duration.ofMillis(3500));
        }
    }

    @Test
    void describeDoesNotRepeatCredentialsOrAQueryOfTheEndpoint() {
        URI endpoint = server.endpoint();
        URI withSecrets = URI.create("http://AKIAREVIEW:topsecret@" + endpoint.getHost() + ":" + endpoint.getPort()
                + "/?X-Amz-Signature=sig123");
        try (S3AsyncClient client = AppClients.builder(withSecrets, RequestChecksums.WHEN_REQUIRED).build();
                S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            assertThat(backend.describe()).doesNotContain("topsecret").doesNotContain("AKIAREVIEW")
                    .doesNotContain("sig123");
        }
    }

    /** An application's execution interceptor sees each request of the backend once (the no-retry plugin keeps them). */
    @Test
    void anApplicationsInterceptorSeesEachWriteOnce() throws Exception {
        java.util.concurrent.atomic.AtomicInteger puts = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger all = new java.util.concurrent.atomic.AtomicInteger();
        software.amazon.awssdk.core.interceptor.ExecutionInterceptor counter = new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
            @Override
            public void beforeTransmission(software.amazon.awssdk.core.interceptor.Context.BeforeTransmission context,
                    software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
                all.incrementAndGet();
                if (context.httpRequest().method() == software.amazon.awssdk.http.SdkHttpMethod.PUT) {
                    puts.incrementAndGet();
                }
            }
        };
        try (S3AsyncClient counted = AppClients.builder(server.endpoint(), RequestChecksums.WHEN_REQUIRED)
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(30)).addExecutionInterceptor(counter))
                .build();
                S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(counted).build()) {
            await(backend.put("doc", utf8("v1"), Precondition.absent()));
            await(backend.get("doc", null));
            assertThat(puts.get()).as("PUTs seen by the interceptor").isEqualTo(1);
            assertThat(all.get()).as("requests seen by the interceptor").isEqualTo(2);
        }
    }

    /** An application's client with multipart enabled (for large uploads and downloads elsewhere in the app). */
    @Test
    void theBackendWorksOnAMultipartEnabledClient() throws Exception {
        try (S3AsyncClient multipart = AppClients.builder(server.endpoint(), RequestChecksums.WHEN_REQUIRED)
                .multipartEnabled(true).build();
                S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(multipart).build()) {
            assertThat(await(backend.get("doc", null))).as("absent").isInstanceOf(dev.durablestash.storage.GetResult.NotFound.class);
            PutResult put = await(backend.put("doc", utf8("v1"), Precondition.absent()));
            assertThat(put).isInstanceOf(PutResult.Written.class);
            String etag = ((PutResult.Written) put).etag();
            assertThat(await(backend.get("doc", etag))).as("revalidation")
                    .isInstanceOf(dev.durablestash.storage.GetResult.NotModified.class);
            assertThat(await(backend.put("doc", utf8("again"), Precondition.absent())))
                    .isInstanceOf(PutResult.PreconditionFailed.class);
            faults.failAfterWrite(1.0);
            PutResult replaced = await(backend.put("doc", utf8("v2"), Precondition.matching(etag)));
            assertThat(replaced).as("applied, answered 500: acknowledged").isInstanceOf(PutResult.Written.class);
            assertThat(faults.puts.sum()).as("PUTs reaching the store").isEqualTo(3);
        }
    }

    /** A 412 to the very first write of a key (If-Match on a key that never existed): a conflict. */
    @Test
    void aReplaceOfAKeyThatNeverExistedIsAPreconditionFailureAndLearnsNothing() throws Exception {
        try (S3StorageBackend backend = S3TestServer.backendBuilder(bucket, server.endpoint()).build()) {
            assertThat(await(backend.put("never", utf8("x"), Precondition.matching("0123abcd"))))
                    .isInstanceOf(PutResult.PreconditionFailed.class);
            assertThat(backend.sendsIfMatchUnquoted()).isFalse();
        }
    }
}
