package dev.durablestash.storage.s3;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationHandler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A store that compares {@code If-Match} verbatim with the unquoted ETag, as Ceph RGW 16.2 does, but that
 * (unlike 16.2) evaluates the header on DELETE too: a quoted ETag never matches, on PUT or on DELETE. A
 * conditional delete must be sent in the form the backend has learned (or learn it), or a current ETag
 * is refused and the document can never be deleted.
 */
class UnquotedIfMatchDeleteTests {

    private final S3TestServer server = S3TestServer.shared();

    /** @return a client in front of {@code real} that refuses a quoted {@code If-Match} and quotes an unquoted one */
    static S3AsyncClient comparingIfMatchUnquoted(S3AsyncClient real) {
        return ClientsInFront.inFrontOf(real, (proxy, method, args) -> {
            if (args != null && args.length == 2 && args[0] instanceof PutObjectRequest put && put.ifMatch() != null) {
                return put.ifMatch().startsWith("\"") ? refused()
                        : real.putObject(put.toBuilder().ifMatch(ETags.quote(put.ifMatch())).build(),
                                (AsyncRequestBody) args[1]);
            }
            if (args != null && args.length == 1 && args[0] instanceof DeleteObjectRequest delete
                    && delete.ifMatch() != null) {
                return delete.ifMatch().startsWith("\"") ? refused()
                        : real.deleteObject(delete.toBuilder().ifMatch(ETags.quote(delete.ifMatch())).build());
            }
            if (method.isDefault() && (method.getName().equals("putObject") || method.getName().equals("deleteObject"))
                    && !(args[0] instanceof PutObjectRequest) && !(args[0] instanceof DeleteObjectRequest)) {
                return InvocationHandler.invokeDefault(proxy, method, args); // builds the request, calls the one above
            }
            return ClientsInFront.FORWARD;
        });
    }

    private static <T> CompletableFuture<T> refused() {
        return CompletableFuture.failedFuture(S3Exception.builder().statusCode(412)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("PreconditionFailed")
                        .errorMessage("At least one of the pre-conditions you specified did not hold").build())
                .message("PreconditionFailed").build());
    }

    private static String created(S3StorageBackend backend, String key, String content) throws Exception {
        return ((PutResult.Written) await(backend.put(key, utf8(content), Precondition.absent()))).etag();
    }

    @Test
    void afterTheStoreCheckAConditionalDeleteWithTheCurrentETagDeletes() throws Exception {
        String bucket = server.createBucket("unquoted-del");
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket)
                .client(comparingIfMatchUnquoted(server.client())).build()) {
            S3StoreCheck check = backend.checkStore("durable-stash/store-check", Duration.ofSeconds(30));
            assertThat(check.safe()).as("%s %s", check.summary(), check.problems()).isTrue();
            assertThat(check.summary()).contains("ETag sent unquoted", "conditional DELETE honoured, deletes native");

            String etag = created(backend, "doc", "v1");
            assertThat(await(backend.delete("doc", etag))).as("delete conditional on the current ETag").isTrue();
            assertThat(await(backend.get("doc", null))).isInstanceOf(GetResult.NotFound.class);
        }
    }

    @Test
    void afterTheStoreCheckAConditionalDeleteWithAStaleETagIsStillRefused() throws Exception {
        String bucket = server.createBucket("unquoted-del-stale");
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket)
                .client(comparingIfMatchUnquoted(server.client())).build()) {
            backend.checkStore("durable-stash/store-check", Duration.ofSeconds(30));
            String stale = created(backend, "doc", "v1");
            await(backend.put("doc", utf8("v2 acknowledged"), Precondition.matching(stale)));

            assertThat(await(backend.delete("doc", stale))).as("delete conditional on a stale ETag").isFalse();
            assertThat(await(backend.get("doc", null))).isInstanceOf(GetResult.Found.class);
        }
    }

    @Test
    void withNativeDeletesPinnedAndNoCheckADeleteLearnsTheFormTheStoreUnderstands() throws Exception {
        String bucket = server.createBucket("unquoted-del-native");
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket)
                .client(comparingIfMatchUnquoted(server.client())).conditionalDeletes(ConditionalDeletes.NATIVE)
                .build()) {
            String etag = created(backend, "doc", "v1");
            assertThat(await(backend.delete("doc", etag))).as("delete conditional on the current ETag").isTrue();
            assertThat(await(backend.get("doc", null))).isInstanceOf(GetResult.NotFound.class);
            assertThat(backend.sendsIfMatchUnquoted()).as("form learned from the DELETE").isTrue();
        }
    }
}
