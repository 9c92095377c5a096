package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.durablestash.storage.StorageException;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A store that honours If-Match on DELETE, with conditional deletes pinned NATIVE, answers the store
 * check's stale DELETE with one transient 503 SlowDown: an outage, reported as such (the starter warns and
 * starts), not an unsafe store (seen failing before: the check reported a problem, and startup failed).
 */
class StoreProbeTransientDeleteErrorTests {

    private final S3TestServer server = S3TestServer.shared();

    static S3AsyncClient oneSlowDown(S3AsyncClient real, AtomicInteger deletes, AtomicInteger puts) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("deleteObject") && args != null && args.length == 1
                    && args[0] instanceof DeleteObjectRequest request && request.ifMatch() != null
                    && deletes.getAndDecrement() > 0) {
                return CompletableFuture.failedFuture(slowDown());
            }
            if (method.getName().equals("putObject") && args != null && args.length == 2
                    && args[0] instanceof PutObjectRequest && puts.getAndDecrement() > 0) {
                return CompletableFuture.failedFuture(slowDown());
            }
            if (args != null && args.length >= 1 && !(args[0] instanceof software.amazon.awssdk.core.SdkRequest)
                    && method.isDefault()) {
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

    private static S3Exception slowDown() {
        return (S3Exception) S3Exception.builder().statusCode(503)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("SlowDown").errorMessage("Please reduce your request rate.").build())
                .message("SlowDown").build();
    }

    /** Without any fault the check is safe with NATIVE on this store (it honours If-Match on DELETE). */
    @Test
    void withoutAFaultTheCheckIsSafe() {
        String bucket = server.createBucket("probe-native-ok");
        S3AsyncClient client = oneSlowDown(server.client(), new AtomicInteger(0), new AtomicInteger(0));
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client)
                .conditionalDeletes(ConditionalDeletes.NATIVE).build()) {
            S3StoreCheck check = backend.checkStore("durable-stash/store-check", Duration.ofSeconds(30));
            assertThat(check.safe()).as(check.summary() + " " + check.problems()).isTrue();
        }
    }

    /** One transient 503 on the stale DELETE: a StorageException (an outage), or a safe check. */
    @Test
    void aTransient503OnTheStaleDeleteIsAnOutageTooNotAnUnsafeStore() {
        String bucket = server.createBucket("probe-native-del503");
        S3AsyncClient client = oneSlowDown(server.client(), new AtomicInteger(1), new AtomicInteger(0));
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
