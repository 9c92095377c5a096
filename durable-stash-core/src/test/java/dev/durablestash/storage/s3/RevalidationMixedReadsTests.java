package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.testsupport.Stages;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;

/**
 * Revalidations (answered 304 and rewritten by the interceptor, or answered 200 for a stale ETag), plain reads and
 * compare-and-swap writes from 16 threads through one client, checked against a sequential model of each
 * thread's key: a rewritten answer never leaks into another read on a shared connection.
 */
class RevalidationMixedReadsTests {

    /**
     * Each thread on its own key: a revalidation with the current ETag is NotModified, one with the previous ETag
     * the current body and ETag, an unconditional read the current body.
     */
    @Test
    void rewrittenAnswersNeverLeakIntoOtherReadsOnSharedConnections() throws Exception {
        S3TestServer server = S3TestServer.shared();
        String bucket = server.createBucket("reval-mix");
        int threads = 16;
        int rounds = 60;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (S3AsyncClient client = AppClients.builder(server.endpoint(), RequestChecksums.WHEN_SUPPORTED).build();
                S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    Random random = new Random(4242 + thread);
                    String key = "durable-stash/k" + thread;
                    String body = "{\"t\":" + thread + ",\"v\":0}";
                    String etag = ((PutResult.Written) Stages.await(backend.put(key, Stages.utf8(body),
                            Precondition.absent()))).etag();
                    String previous = null;
                    for (int i = 1; i <= rounds; i++) {
                        switch (random.nextInt(4)) {
                            case 0 -> {
                                String next = "{\"t\":" + thread + ",\"v\":" + i + "}";
                                PutResult put = Stages.await(backend.put(key, Stages.utf8(next),
                                        Precondition.matching(etag)));
                                previous = etag;
                                etag = ((PutResult.Written) put).etag();
                                body = next;
                            }
                            case 1 -> assertThat(Stages.await(backend.get(key, etag)))
                                    .as("thread %d round %d", thread, i).isInstanceOf(GetResult.NotModified.class);
                            case 2 -> {
                                if (previous != null) {
                                    GetResult got = Stages.await(backend.get(key, previous));
                                    assertThat(got).as("thread %d round %d", thread, i)
                                            .isInstanceOf(GetResult.Found.class);
                                    assertThat(new String(((GetResult.Found) got).body(), StandardCharsets.UTF_8))
                                            .isEqualTo(body);
                                    assertThat(((GetResult.Found) got).etag()).isEqualTo(etag);
                                }
                            }
                            default -> {
                                GetResult got = Stages.await(backend.get(key, null));
                                assertThat(new String(((GetResult.Found) got).body(), StandardCharsets.UTF_8))
                                        .isEqualTo(body);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

}
