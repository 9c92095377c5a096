package dev.durablestash.storage.s3;

import static dev.durablestash.storage.s3.StoreProbeTransientDeleteTests.failed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationHandler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.durablestash.storage.StorageException;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The store check's replaces of a missing key, which it sends as they are (not through the backend's put):
 * only the store's refusal counts as one, any other answer fails the check as an outage naming the PUT, and a
 * key is named among what may be left only when a PUT to it may have been applied.
 */
class StoreProbeMissingKeyReplaceTests {

    private static final String PROBE = "durable-stash/store-check";

    private final S3TestServer server = S3TestServer.shared();

    /**
     * @param answer answers the replace of the key never written (a throw too); other calls are forwarded
     * @return a client in front of the test server's
     */
    private S3AsyncClient answeringTheReplaceOfTheKeyNeverWritten(Function<PutObjectRequest, Object> answer) {
        return ClientsInFront.inFrontOf(server.client(), (proxy, method, args) -> {
            if (args != null && args.length == 2 && args[0] instanceof PutObjectRequest put && put.ifMatch() != null
                    && put.key().contains(".missing-")) {
                return answer.apply(put);
            }
            return method.isDefault() && args != null && args.length > 0 && !(args[0] instanceof SdkRequest)
                    ? InvocationHandler.invokeDefault(proxy, method, args) : ClientsInFront.FORWARD;
        });
    }

    /**
     * @param failure how the error names the failure (a regular expression)
     * @param mayLand whether the key is named as one a copy of the PUT may land on
     */
    private void assertAnOutageNamingThePut(String bucket, S3AsyncClient client, String failure, boolean mayLand) {
        String missingKey = "s3://" + bucket + "/" + PROBE + "\\.missing-[0-9a-f]+";
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            assertThatThrownBy(() -> backend.checkStore(PROBE, Duration.ofSeconds(20)))
                    .isInstanceOf(StorageException.class)
                    .hasMessageMatching("S3 PUT of " + missingKey + " failed: " + failure + " \\(the store check's "
                            + "replace of a missing key with If-Match\\)" + (mayLand ? "; may be left in the bucket, "
                            + "to delete: " + missingKey + " \\(its PUT got no answer that tells whether it was "
                            + "applied, and may still land\\)" : ""));
        }
        assertThat(StoreProbeTransientDeleteTests.objectsIn(server, bucket)).isEmpty();
    }

    /**
     * A replace answered with a null response (a mock's) is no success: an outage, not a problem that fails
     * startup; the request was sent, so a copy may land. Seen failing on cd62575 (review): "replace of a missing
     * key ACCEPTED".
     */
    @Test
    void aNullResponseIsAnOutageNotAProblem() {
        String bucket = server.createBucket("probe-replace-null");
        assertAnOutageNamingThePut(bucket, answeringTheReplaceOfTheKeyNeverWritten(
                put -> CompletableFuture.completedFuture(null)),
                "IllegalStateException: the S3 client answered a request with null", true);
    }

    /**
     * A 403 to the replace is an outage whose error names the PUT and its key, and leaves nothing named. Seen
     * failing on cd62575 (review): "S3 store check of s3://…/durable-stash/store-check: HTTP 403 AccessDenied".
     */
    @Test
    void aRefusalOtherThanThePreconditionsIsAnOutageNamingThePut() {
        String bucket = server.createBucket("probe-replace-403");
        assertAnOutageNamingThePut(bucket, answeringTheReplaceOfTheKeyNeverWritten(
                put -> failed(403, "AccessDenied")), "HTTP 403 AccessDenied", false);
    }

    /**
     * A 429 says the PUT was not applied: the key is not named as one a copy may land on. Seen failing on
     * cd62575 (review): "(its PUT got no answer, and may still land)".
     */
    @Test
    void a429NamesNoKeyAsOneAPutMayLandOn() {
        String bucket = server.createBucket("probe-replace-429");
        assertAnOutageNamingThePut(bucket, answeringTheReplaceOfTheKeyNeverWritten(
                put -> failed(429, "TooManyRequests")), "HTTP 429 TooManyRequests", false);
    }

    /**
     * A client that throws at once sent nothing: the key is not named as one a copy may land on. Seen failing on
     * cd62575 (review): "(its PUT got no answer, and may still land)".
     */
    @Test
    void aClientThatThrowsAtOnceNamesNoKeyAsOneAPutMayLandOn() {
        String bucket = server.createBucket("probe-replace-throws");
        assertAnOutageNamingThePut(bucket, answeringTheReplaceOfTheKeyNeverWritten(put -> {
            throw new IllegalStateException("the client is closed");
        }), "IllegalStateException: the client is closed", false);
    }

    /**
     * On a safe store, the removal of the probe object at the end gets no answer until the time is up: the key
     * never written, whose only PUT the store refused, is not named among what may be left. Seen failing on
     * cd62575 (review): named "(the check's time was up)".
     */
    @Test
    void aKeyNeverWrittenWhoseReplaceWasRefusedIsNotNamed() {
        String bucket = server.createBucket("probe-replace-refused");
        AtomicInteger plainDeletes = new AtomicInteger();
        S3AsyncClient client = ClientsInFront.inFrontOf(server.client(), (proxy, method, args) -> {
            if (args != null && args.length == 1 && args[0] instanceof DeleteObjectRequest delete
                    && delete.key().equals(PROBE) && delete.ifMatch() == null && plainDeletes.incrementAndGet() > 1) {
                return new CompletableFuture<>();
            }
            return method.isDefault() && args != null && args.length > 0 && !(args[0] instanceof SdkRequest)
                    ? InvocationHandler.invokeDefault(proxy, method, args) : ClientsInFront.FORWARD;
        });
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            S3StoreCheck check = backend.checkStore(PROBE, Duration.ofSeconds(3));

            assertThat(check.safe()).as(check.summary()).isTrue();
            assertThat(check.findings()).contains("replace of a missing key refused",
                    "may be left in the bucket, to delete: s3://" + bucket + "/" + PROBE + " (the check's time was up)");
        }
    }
}
