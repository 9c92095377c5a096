package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Proves the test S3 server is fit to judge the backend: its conditional writes are atomic, checked
 * with raw SDK calls (not through the backend under test). Also that it keeps its objects in its
 * store's 1-KiB blocks, so that the benchmarks that share its heap do not carry 8 KiB per object.
 */
class S3TestServerTests {

    private final S3TestServer server = S3TestServer.shared();

    @Test
    void aCompareAndSwapCounterOfEightThreadsTimesTwoHundredLosesNoIncrement() throws Exception {
        String bucket = server.createBucket("cas-counter");
        S3AsyncClient client = server.client();
        client.putObject(b -> b.bucket(bucket).key("counter").ifNoneMatch("*"), AsyncRequestBody.fromString("0")).join();
        int threads = 8;
        int increments = 200;
        AtomicInteger conflicts = new AtomicInteger();
        AtomicInteger lostAnswers = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    for (int i = 0; i < increments; i++) {
                        while (true) {
                            ResponseBytes<GetObjectResponse> current = client
                                    .getObject(b -> b.bucket(bucket).key("counter"), AsyncResponseTransformer.toBytes())
                                    .join();
                            int value = Integer.parseInt(current.asUtf8String().split(" ")[0]);
                            // A unique body per attempt: if the answer is lost (a dropped connection, or an SDK
                            // retry answered 412 for our own write), reading it back tells whether it was applied.
                            String body = (value + 1) + " " + UUID.randomUUID();
                            try {
                                client.putObject(b -> b.bucket(bucket).key("counter").ifMatch(current.response().eTag()),
                                        AsyncRequestBody.fromString(body)).join();
                                break;
                            } catch (CompletionException e) {
                                String stored = client.getObject(b -> b.bucket(bucket).key("counter"),
                                        AsyncResponseTransformer.toBytes()).join().asUtf8String();
                                if (stored.equals(body)) {
                                    break; // applied; only the answer was lost
                                }
                                if (!(e.getCause() instanceof S3Exception s3 && s3.statusCode() == 412)) {
                                    lostAnswers.incrementAndGet(); // not applied and not a conflict: try again
                                }
                                conflicts.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        String stored = client.getObject(b -> b.bucket(bucket).key("counter"), AsyncResponseTransformer.toBytes())
                .join().asUtf8String().split(" ")[0];
        assertThat(stored).isEqualTo(Integer.toString(threads * increments));
        assertThat(conflicts.get()).as("412 conflicts, so the threads really raced").isPositive();
        System.out.printf("S3 test server CAS counter: %d increments, %d conflicts, %d failed requests%n",
                threads * increments, conflicts.get(), lostAnswers.get());
    }

    @Test
    void aHundredObjectsOfFourHundredBytesTakeAboutAKibibyteEachOfTheServersBlocks() {
        String bucket = server.createBucket("blocks");
        byte[] document = new byte[400];
        long before = server.storedBytes();
        for (int i = 0; i < 100; i++) {
            String key = "doc-" + i;
            server.client().putObject(b -> b.bucket(bucket).key(key), AsyncRequestBody.fromBytes(document)).join();
        }
        // S3Proxy's own transient store would take 8 KiB each (819,200 bytes).
        assertThat(server.storedBytes() - before).as("bytes of blocks that hold the hundred objects")
                .isBetween(100L * 1024, 100L * 2048);
    }
}
