package dev.durablestash.storage.s3;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationHandler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageException;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The store check's DELETE with a stale If-Match: with {@link ConditionalDeletes#AUTO}, only a refusal of
 * the precondition may make deletes native. A store that rejects the header (HTTP 501 NotImplemented, as
 * LocalStack does) or one that ignores it but answered that DELETE with a transient error must keep
 * conditional deletes emulated after the check. With deletes pinned NATIVE, a transient error on that
 * DELETE is an outage, not a sign of an unsafe store.
 */
class StoreProbeStaleDeleteTests {

    private final S3TestServer server = S3TestServer.shared();

    /**
     * @param answer answers every DELETE that carries If-Match, in place of the real client
     * @return a client that forwards every other call to {@code real}
     */
    static S3AsyncClient answeringConditionalDeletes(S3AsyncClient real,
            Function<DeleteObjectRequest, CompletableFuture<DeleteObjectResponse>> answer) {
        return ClientsInFront.inFrontOf(real, (proxy, method, args) -> {
            if (method.getName().equals("deleteObject") && args != null && args.length == 1
                    && args[0] instanceof DeleteObjectRequest request && request.ifMatch() != null) {
                return answer.apply(request);
            }
            if (method.getName().equals("deleteObject") && !(args[0] instanceof DeleteObjectRequest)) {
                return InvocationHandler.invokeDefault(proxy, method, args); // builds the request, calls the one above
            }
            return ClientsInFront.FORWARD;
        });
    }

    private static CompletableFuture<DeleteObjectResponse> failing(int status, String code, String message) {
        return CompletableFuture.failedFuture(S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build())
                .message(code).build());
    }

    /** A client that answers 501 NotImplemented to every DELETE that carries If-Match, without applying it. */
    static S3AsyncClient rejectingConditionalDeletes(S3AsyncClient real) {
        return answeringConditionalDeletes(real, request -> failing(501, "NotImplemented",
                "A header you provided implies functionality that is not implemented"));
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

    /** A store that refuses every DELETE with If-Match (412), whatever the ETag: the current one too. */
    static S3AsyncClient refusingEveryConditionalDelete(S3AsyncClient real) {
        return answeringConditionalDeletes(real, request -> failing(412, "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold"));
    }

    /**
     * The stale DELETE's refusal shows the header evaluated, but only a DELETE with the current ETag that
     * succeeds shows native deletes would work. Seen failing before: the check made deletes native, and a
     * delete with the current ETag then failed ("the store refuses its current ETag").
     */
    @Test
    void aStoreThatRefusesEveryConditionalDeleteKeepsEmulatedDeletesAfterTheCheck() throws Exception {
        String bucket = server.createBucket("refuseall");
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket)
                .client(refusingEveryConditionalDelete(server.client())).build()) {
            S3StoreCheck check = backend.checkStore("durable-stash/store-check", Duration.ofSeconds(30));
            assertThat(check.safe()).as("%s %s", check.summary(), check.problems()).isTrue();
            assertThat(check.summary()).contains("conditional DELETE refused with the current ETag too (HTTP 412 "
                    + "PreconditionFailed), deletes emulated with tombstones");

            String etag = ((PutResult.Written) await(backend.put("doc", utf8("v1"), Precondition.absent()))).etag();
            assertThat(await(backend.delete("doc", etag))).as("delete conditional on the current ETag").isTrue();
            assertThat(await(backend.get("doc", null))).isInstanceOf(dev.durablestash.storage.GetResult.NotFound.class);
        }
    }

    @Test
    void withNativeDeletesPinnedTheCheckReportsAStoreThatRefusesTheCurrentETagOnDelete() {
        String bucket = server.createBucket("refuseall-native");
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket)
                .client(refusingEveryConditionalDelete(server.client())).conditionalDeletes(ConditionalDeletes.NATIVE)
                .build()) {
            S3StoreCheck check = backend.checkStore("durable-stash/store-check", Duration.ofSeconds(30));
            assertThat(check.safe()).isFalse();
            assertThat(check.problems()).anySatisfy(p -> assertThat(p).contains(
                    "refused a DELETE with the object's current ETag (HTTP 412 PreconditionFailed)"));
        }
    }

    /**
     * A store like Ceph RGW 16.2 that IGNORES If-Match on DELETE (deletes anyway), and whose first
     * {@code fiveHundreds} conditional DELETEs get a transient HTTP 500 without being applied.
     */
    static S3AsyncClient ignoringConditionalDeletesAfter500s(S3AsyncClient real, AtomicInteger fiveHundreds) {
        return answeringConditionalDeletes(real, request -> fiveHundreds.getAndDecrement() > 0
                ? failing(500, "InternalError", null)
                : real.deleteObject(request.toBuilder().ifMatch(null).build())); // the header is ignored
    }

    /** A store that honours If-Match on DELETE, whose first {@code slowDowns} conditional DELETEs get a 503 SlowDown. */
    static S3AsyncClient honouringConditionalDeletesAfterSlowDowns(S3AsyncClient real, AtomicInteger slowDowns) {
        return answeringConditionalDeletes(real, request -> slowDowns.getAndDecrement() > 0
                ? failing(503, "SlowDown", "Please reduce your request rate.")
                : real.deleteObject(request));
    }

    /** Every attempt of the check's stale DELETE gets a 500 (the check sends it three times). */
    @Test
    void transient500sDuringTheCheckKeepDeletesEmulatedOnAStoreThatIgnoresIfMatchOnDelete() throws Exception {
        String bucket = server.createBucket("ignoredel");
        S3AsyncClient client = ignoringConditionalDeletesAfter500s(server.client(), new AtomicInteger(3));
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

    /** The same store without the transient 500s: the check sees the header ignored, deletes stay emulated. */
    @Test
    void withoutThe500TheCheckSeesTheHeaderIgnoredAndTheNewerDocumentSurvives() throws Exception {
        String bucket = server.createBucket("ignoredel-control");
        S3AsyncClient client = ignoringConditionalDeletesAfter500s(server.client(), new AtomicInteger(0));
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

    /** With deletes pinned NATIVE, on a store that honours If-Match on DELETE, and no fault: the check is safe. */
    @Test
    void withNativeDeletesPinnedAStoreThatHonoursIfMatchOnDeleteIsSafe() {
        String bucket = server.createBucket("probe-native-ok");
        S3AsyncClient client = honouringConditionalDeletesAfterSlowDowns(server.client(), new AtomicInteger(0));
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client)
                .conditionalDeletes(ConditionalDeletes.NATIVE).build()) {
            S3StoreCheck check = backend.checkStore("durable-stash/store-check", Duration.ofSeconds(30));
            assertThat(check.safe()).as(check.summary() + " " + check.problems()).isTrue();
        }
    }

    /**
     * The same store answers the check's stale DELETE with one transient 503 SlowDown: an outage (the starter
     * warns and starts), or a safe check, not an unsafe store (seen failing before: the check reported a
     * problem, and startup failed).
     */
    @Test
    void withNativeDeletesPinnedATransient503OnTheStaleDeleteIsAnOutageNotAnUnsafeStore() {
        String bucket = server.createBucket("probe-native-del503");
        S3AsyncClient client = honouringConditionalDeletesAfterSlowDowns(server.client(), new AtomicInteger(1));
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client)
                .conditionalDeletes(ConditionalDeletes.NATIVE).build()) {
            S3StoreCheck check;
            try {
                check = backend.checkStore("durable-stash/store-check", Duration.ofSeconds(30));
            } catch (StorageException e) {
                return; // an outage: the starter warns and starts, as for any other step
            }
            assertThat(check.safe()).as("one 503 SlowDown on a store that honours If-Match on DELETE: %s %s",
                    check.summary(), check.problems()).isTrue();
        }
    }
}
