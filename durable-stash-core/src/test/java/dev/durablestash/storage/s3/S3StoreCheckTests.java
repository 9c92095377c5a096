package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.junit.jupiter.api.Test;

import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.s3.nio2blob.SmallBlockTransientBlobStore;
import dev.durablestash.testsupport.Stages;

/**
 * {@link S3StorageBackend#checkStore(String, Duration)} on the in-process S3 server, which behaves as
 * AWS S3 does, and on a store that ignores {@code If-Match} (a second S3Proxy, without signature checks,
 * behind a proxy that hides the header from it).
 */
class S3StoreCheckTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String PROBE = "durable-stash/store-check";

    private final S3TestServer server = S3TestServer.shared();

    @Test
    void onAStoreThatHonoursEveryPreconditionTheCheckIsSafeAndDeletesBecomeNative() throws Exception {
        String bucket = server.createBucket("check");
        try (S3StorageBackend backend = server.backendBuilder(bucket).build()) {
            S3StoreCheck check = backend.checkStore(PROBE, TIMEOUT);

            System.out.println(check.summary());
            assertThat(check.safe()).as("problems: %s", check.problems()).isTrue();
            assertThat(check.summary()).contains("If-Match honoured, ETag sent quoted", "stale replace refused",
                    "conditional GET 304", "conditional DELETE honoured, deletes native", "replace of a missing key refused");
            assertThat(server.client().listObjectsV2(b -> b.bucket(bucket)).join().keyCount())
                    .as("objects left by the check").isZero();

            // AUTO deletes are native now: a conditional delete is one DELETE, no tombstone PUT.
            String etag = ((PutResult.Written) Stages.await(backend.put("doc", new byte[] {1}, Precondition.absent()),
                    TIMEOUT)).etag();
            long putsBefore = server.faults(bucket).puts.sum();
            assertThat(Stages.await(backend.delete("doc", etag), TIMEOUT)).isTrue();
            assertThat(server.faults(bucket).puts.sum()).isEqualTo(putsBefore);
        }
    }

    @Test
    void withoutTheCheckConditionalDeletesAreEmulatedByDefault() throws Exception {
        String bucket = server.createBucket("unchecked");
        try (S3StorageBackend backend = server.backendBuilder(bucket).build()) {
            String etag = ((PutResult.Written) Stages.await(backend.put("doc", new byte[] {1}, Precondition.absent()),
                    TIMEOUT)).etag();
            long putsBefore = server.faults(bucket).puts.sum();
            assertThat(Stages.await(backend.delete("doc", etag), TIMEOUT)).isTrue();
            assertThat(server.faults(bucket).puts.sum()).as("tombstone PUTs").isEqualTo(putsBefore + 1);
        }
    }

    @Test
    void aStoreThatIgnoresIfMatchFailsTheCheckWithAMessageThatSaysSo() throws Exception {
        S3Proxy plain = S3Proxy.builder()
                .blobStore(new AtomicConditionalBlobStore(new FlatKeyBlobStore(new SmallBlockTransientBlobStore())))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.NONE, null, null)
                .build();
        plain.start();
        try (ConnectionCuttingProxy ignoring = new ConnectionCuttingProxy(awaitStarted(plain))) {
            ignoring.dropIfMatch(true);
            try (var client = S3TestServer.newClient(ignoring.endpoint())) {
                client.createBucket(b -> b.bucket("ignoring")).join();
            }
            try (S3StorageBackend backend = S3TestServer.backendBuilder("ignoring", ignoring.endpoint()).build()) {
                S3StoreCheck check = backend.checkStore(PROBE, TIMEOUT);

                System.out.println(check.summary());
                assertThat(check.safe()).isFalse();
                assertThat(check.problems()).anySatisfy(problem -> assertThat(problem)
                        .contains("ignores If-Match on PUT (a replace with a stale ETag was applied)"));
                assertThat(check.summary()).contains("stale replace ACCEPTED");
            }
        } finally {
            plain.stop();
        }
    }

    private static int awaitStarted(S3Proxy proxy) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        return proxy.getPort();
    }
}
