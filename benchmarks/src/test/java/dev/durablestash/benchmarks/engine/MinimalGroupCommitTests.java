package dev.durablestash.benchmarks.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.durablestash.benchmarks.engine.CallerRounds.Done;
import dev.durablestash.benchmarks.engine.CallerRounds.Round;
import dev.durablestash.storage.s3.BenchmarkS3;

import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/** The bound the contended part measures beside the engine: it must write, and wait for every caller. */
class MinimalGroupCommitTests {

    private static final int CALLERS = 4;
    private static final byte[] BODY = "{\"minimal\":true}".getBytes(StandardCharsets.UTF_8);

    @Test
    void eachPutWaitsForEveryCallerAndAnswersThemAll() throws InterruptedException {
        S3AsyncClient client = BenchmarkS3.appWriteClient();
        String bucket = BenchmarkS3.createBucket("minimal");
        MinimalGroupCommit minimal = new MinimalGroupCommit(client, bucket, "raw/minimal", BODY, CALLERS);
        long putsBefore = minimal.puts();
        AtomicLong commits = new AtomicLong();
        minimal.startRound(TimeUnit.MINUTES.toMillis(1));
        Round round = CallerRounds.run(CALLERS, Long.MAX_VALUE, thread -> {
            if (commits.incrementAndGet() > 40L * CALLERS) {
                throw new Done();
            }
            minimal.commit();
        });
        assertThat(round.operations).isEqualTo(40L * CALLERS);
        assertThat(minimal.puts() - putsBefore).as("one PUT for every %d callers", CALLERS).isEqualTo(40);
        ResponseBytes<GetObjectResponse> stored = client.getObject(b -> b.bucket(bucket).key("raw/minimal"),
                AsyncResponseTransformer.toBytes()).join();
        assertThat(stored.asByteArray()).isEqualTo(BODY);
    }

    /**
     * Callers that wait when the round ends, while the others have stopped (they came back after the callers'
     * window closed), are written at the round's end: before, nothing wrote them and the round never ended.
     */
    @Test
    void callersWaitingWhenTheRoundEndsAreAnswered() throws Exception {
        MinimalGroupCommit minimal = new MinimalGroupCommit(BenchmarkS3.appWriteClient(),
                BenchmarkS3.createBucket("minimal-round-end"), "raw/minimal", BODY, CALLERS);
        long roundMillis = 1000;
        long roundStart = System.nanoTime();
        minimal.startRound(roundMillis);
        CompletableFuture<Round> round = CompletableFuture.supplyAsync(() -> {
            try {
                return CallerRounds.run(CALLERS, roundMillis, thread -> {
                    minimal.commit();
                    if (thread == CALLERS - 1 && System.nanoTime() - roundStart > TimeUnit.MILLISECONDS.toNanos(700)) {
                        sleep(600); // back after the round's end: the others wait for it before that
                    }
                });
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(round.get(30, TimeUnit.SECONDS).operations).isPositive();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void afterTheRoundsEndACallerIsWrittenWithoutWaitingForTheOthers() throws InterruptedException {
        S3AsyncClient client = BenchmarkS3.appWriteClient();
        MinimalGroupCommit minimal = new MinimalGroupCommit(client, BenchmarkS3.createBucket("minimal-end"),
                "raw/minimal", BODY, CALLERS);
        minimal.startRound(0);
        CountDownLatch answered = new CountDownLatch(1);
        Thread alone = new Thread(() -> {
            minimal.commit();
            answered.countDown();
        });
        alone.start();
        assertThat(answered.await(30, TimeUnit.SECONDS)).as("a lone caller answered after the round").isTrue();
    }
}
