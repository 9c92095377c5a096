package dev.durablestash.storage.s3;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The store check's DELETE with a stale If-Match: with {@link ConditionalDeletes#AUTO}, only a refusal of
 * the precondition may make deletes native. A store that rejects the header (HTTP 501 NotImplemented, as
 * LocalStack does) or one that ignores it but answered that DELETE with a transient error must keep
 * conditional deletes emulated after the check.
 */
class StoreProbeStaleDeleteTests {

    private final S3TestServer server = S3TestServer.shared();

    /** A client that answers 501 NotImplemented to every DELETE that carries If-Match, without applying it. */
    static S3AsyncClient rejectingConditionalDeletes(S3AsyncClient real) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("deleteObject") && args != null && args.length == 1
                    && args[0] instanceof DeleteObjectRequest request && request.ifMatch() != null) {
                return CompletableFuture.failedFuture(S3Exception.builder().statusCode(501)
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("NotImplemented")
                                .errorMessage("A header you provided implies functionality that is not implemented")
                                .build())
                        .message("NotImplemented").build());
            }
            if (method.getName().equals("deleteObject") && !(args[0] instanceof DeleteObjectRequest)) {
                return InvocationHandler.invokeDefault(proxy, method, args); // builds the request, calls the one above
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (S3AsyncClient) Proxy.newProxyInstance(S3AsyncClient.class.getClassLoader(),
                new Class<?>[] {S3AsyncClient.class}, handler);
    }

    @Test
    void aStoreThatRejectsIfMatchOnDeleteKeepsEmulatedDeletesAfterTheCheck() throws Exception {
        String bucket = server.createBucket("rejectdel");
        S3AsyncClient client = rejectingConditionalDeletes(server.client());
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            // Before the check (AUTO = emulated): a conditional delete works on this store.
            String e1 = ((PutResult.Written) await(backend.put("doc1", utf8("one"), Precondition.absent()))).etag();
            assertThat(await(backend.delete("doc1", e1))).as("emulated delete before the check").isTrue();

            S3StoreCheck check = backend.checkStore("durable-stash/store-check", Duration.ofSeconds(30));
            assertThat(check.summary()).contains(
                    "conditional DELETE not honoured (HTTP 501 NotImplemented), deletes emulated with tombstones");
            assertThat(check.safe()).isTrue();

            String e2 = ((PutResult.Written) await(backend.put("doc2", utf8("two"), Precondition.absent()))).etag();
            // After the check the same call must still work on the same store.
            assertThat(await(backend.delete("doc2", e2))).as("conditional delete after the store check").isTrue();
        }
    }

    @Test
    void withNativeDeletesPinnedTheCheckReportsAStoreThatRejectsIfMatchOnDelete() {
        String bucket = server.createBucket("rejectdel-native");
        S3AsyncClient client = rejectingConditionalDeletes(server.client());
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client)
                .conditionalDeletes(ConditionalDeletes.NATIVE).build()) {
            S3StoreCheck check = backend.checkStore("durable-stash/store-check", Duration.ofSeconds(30));

            assertThat(check.safe()).isFalse();
            assertThat(check.problems()).anySatisfy(p -> assertThat(p).contains(
                    "did not refuse a DELETE with a stale If-Match (HTTP 501 NotImplemented)"));
        }
    }

    /**
     * A store like Ceph RGW 16.2 that IGNORES If-Match on DELETE (deletes anyway), and whose first
     * conditional DELETE gets a transient HTTP 500 without being applied.
     */
    static S3AsyncClient ignoringConditionalDeletesAfterOne500(S3AsyncClient real, AtomicInteger fiveHundreds) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("deleteObject") && args != null && args.length == 1
                    && args[0] instanceof DeleteObjectRequest request && request.ifMatch() != null) {
                if (fiveHundreds.getAndDecrement() > 0) {
                    return CompletableFuture.failedFuture(S3Exception.builder().statusCode(500)
                            .awsErrorDetails(AwsErrorDetails.builder().errorCode("InternalError").build())
                            .message("InternalError").build());
                }
                return real.deleteObject(request.toBuilder().ifMatch(null).build()); // the header is ignored
            }
            if (method.getName().equals("deleteObject") && !(args[0] instanceof DeleteObjectRequest)) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (S3AsyncClient) Proxy.newProxyInstance(S3AsyncClient.class.getClassLoader(),
                new Class<?>[] {S3AsyncClient.class}, handler);
    }

    @Test
    void aTransient500DuringTheCheckKeepsDeletesEmulatedOnAStoreThatIgnoresIfMatchOnDelete() throws Exception {
        String bucket = server.createBucket("ignoredel");
        S3AsyncClient client = ignoringConditionalDeletesAfterOne500(server.client(), new AtomicInteger(1));
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build();
                S3StorageBackend otherInstance = S3StorageBackend.builder().bucket(bucket).client(server.client())
                        .conditionalDeletes(ConditionalDeletes.EMULATED).build()) {
            S3StoreCheck check = backend.checkStore("durable-stash/store-check", Duration.ofSeconds(30));
            assertThat(check.summary()).contains(
                    "conditional DELETE not honoured (HTTP 500 InternalError), deletes emulated with tombstones");

            String e1 = ((PutResult.Written) await(backend.put("doc", utf8("v1"), Precondition.absent()))).etag();
            // Another instance rewrites the document (acknowledged) ...
            await(otherInstance.put("doc", utf8("v2 acknowledged"), Precondition.matching(e1)));
            // ... and this instance lazily deletes the version it saw as expired.
            assertThat(await(backend.delete("doc", e1))).as("delete conditional on a stale ETag").isFalse();
            assertThat(await(otherInstance.get("doc", null)))
                    .as("the newer, acknowledged document after a delete conditional on a stale ETag")
                    .isInstanceOf(dev.durablestash.storage.GetResult.Found.class);
        }
    }

    /** The same store without the transient 500: the check sees the header ignored, deletes stay emulated. */
    @Test
    void withoutThe500TheCheckSeesTheHeaderIgnoredAndTheNewerDocumentSurvives() throws Exception {
        String bucket = server.createBucket("ignoredel-control");
        S3AsyncClient client = ignoringConditionalDeletesAfterOne500(server.client(), new AtomicInteger(0));
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build();
                S3StorageBackend otherInstance = S3StorageBackend.builder().bucket(bucket).client(server.client())
                        .conditionalDeletes(ConditionalDeletes.EMULATED).build()) {
            S3StoreCheck check = backend.checkStore("durable-stash/store-check", Duration.ofSeconds(30));
            assertThat(check.summary()).contains("conditional DELETE ignored, deletes emulated with tombstones");
            String e1 = ((PutResult.Written) await(backend.put("doc", utf8("v1"), Precondition.absent()))).etag();
            await(otherInstance.put("doc", utf8("v2 acknowledged"), Precondition.matching(e1)));
            assertThat(await(backend.delete("doc", e1))).isFalse();
            assertThat(await(otherInstance.get("doc", null))).isInstanceOf(dev.durablestash.storage.GetResult.Found.class);
        }
    }
}
