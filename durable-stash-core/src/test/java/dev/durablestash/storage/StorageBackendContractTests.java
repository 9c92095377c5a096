package dev.durablestash.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.durablestash.testsupport.Stages;

/**
 * The one contract test suite every {@link StorageBackend} must pass (see the interface's
 * javadoc). Extend it, implement {@link #createBackend()}, and override {@link #destroyBackend}
 * when the backend needs more cleanup than {@link AutoCloseable#close()}.
 *
 * <p>Every test uses keys under a fresh random prefix ({@link #key(String)}), so the suite can run
 * against a shared bucket, repeatedly and in parallel with itself, without cleaning up first.
 * Every wait is bounded by {@link #timeout()}.
 */
public abstract class StorageBackendContractTests {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** The backend under test, created before each test by {@link #createBackend()}. */
    protected StorageBackend backend;

    private String testPrefix;

    /**
     * Creates the backend under test; called before each test.
     *
     * @return a fresh backend (it may share storage with earlier ones)
     * @throws Exception when it cannot be created
     */
    protected abstract StorageBackend createBackend() throws Exception;

    /**
     * Releases the backend after each test. Closes it when it is {@link AutoCloseable}.
     *
     * @param backend the backend created for the test
     * @throws Exception when cleanup fails
     */
    protected void destroyBackend(StorageBackend backend) throws Exception {
        if (backend instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    /** @return the prefix of every key the suite uses (override to fit a bucket's layout) */
    protected String keyPrefix() {
        return "contract-tests/";
    }

    /** @return how long a single storage call may take before the test fails */
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }

    @BeforeEach
    void createBackendUnderTest() throws Exception {
        byte[] run = new byte[12];
        RANDOM.nextBytes(run);
        testPrefix = keyPrefix() + Base64.getUrlEncoder().withoutPadding().encodeToString(run) + "/";
        backend = createBackend();
    }

    @AfterEach
    void destroyBackendUnderTest() throws Exception {
        if (backend != null) {
            destroyBackend(backend);
        }
    }

    /**
     * @param name a name unique within the test
     * @return a key unique to this test run
     */
    protected String key(String name) {
        return testPrefix + name;
    }

    /**
     * Waits for a stage, bounded by {@link #timeout()}.
     *
     * @param stage the stage
     * @param <T> its result type
     * @return its result
     * @throws Exception what the stage failed with (unwrapped), or a timeout
     */
    protected <T> T await(CompletionStage<T> stage) throws Exception {
        return Stages.await(stage, timeout());
    }

    private String create(String key, byte[] body) throws Exception {
        PutResult result = await(backend.put(key, body, Precondition.absent()));
        assertThat(result).isInstanceOf(PutResult.Written.class);
        return ((PutResult.Written) result).etag();
    }

    private GetResult.Found found(String key) throws Exception {
        GetResult result = await(backend.get(key, null));
        assertThat(result).isInstanceOf(GetResult.Found.class);
        return (GetResult.Found) result;
    }

    private static byte[] utf8(String text) {
        return Stages.utf8(text);
    }

    @Test
    void theHealthCheckSucceedsOnAReachableStoreAndLeavesNoObject() throws Exception {
        String probe = key("health-check");
        assertThat((Object) await(backend.check(probe))).isNull();
        assertThat(await(backend.check(probe))).as("a second check").isNull();
        assertThat(await(backend.get(probe, null))).isInstanceOf(GetResult.NotFound.class);
    }

    @Test
    void getOfAnAbsentKeyIsNotFound() throws Exception {
        assertThat(await(backend.get(key("absent"), null))).isInstanceOf(GetResult.NotFound.class);
        assertThat(await(backend.get(key("absent"), "some-etag"))).isInstanceOf(GetResult.NotFound.class);
    }

    @Test
    void createThenGetReturnsTheSameBytesAndETag() throws Exception {
        String key = key("doc");
        String etag = create(key, utf8("{\"format\":1}"));

        assertThat(etag).isNotEmpty().doesNotStartWith("\"").doesNotEndWith("\"");
        GetResult.Found found = found(key);
        assertThat(found.body()).isEqualTo(utf8("{\"format\":1}"));
        assertThat(found.etag()).isEqualTo(etag);
    }

    @Test
    void createOfAnExistingKeyFailsItsPreconditionAndKeepsTheContent() throws Exception {
        String key = key("doc");
        String etag = create(key, utf8("first"));

        PutResult second = await(backend.put(key, utf8("second"), Precondition.absent()));

        assertThat(second).isInstanceOf(PutResult.PreconditionFailed.class);
        GetResult.Found found = found(key);
        assertThat(found.body()).isEqualTo(utf8("first"));
        assertThat(found.etag()).isEqualTo(etag);
    }

    @Test
    void replaceWithTheMatchingETagSucceedsAndChangesTheETag() throws Exception {
        String key = key("doc");
        String first = create(key, utf8("first"));

        PutResult result = await(backend.put(key, utf8("second"), Precondition.matching(first)));

        assertThat(result).isInstanceOf(PutResult.Written.class);
        String second = ((PutResult.Written) result).etag();
        assertThat(second).isNotEmpty().isNotEqualTo(first);
        GetResult.Found found = found(key);
        assertThat(found.body()).isEqualTo(utf8("second"));
        assertThat(found.etag()).isEqualTo(second);
    }

    @Test
    void replaceWithAStaleETagIsRejectedAndLeavesTheContentUnchanged() throws Exception {
        String key = key("doc");
        String stale = create(key, utf8("first"));
        PutResult.Written current = (PutResult.Written) await(
                backend.put(key, utf8("second"), Precondition.matching(stale)));

        PutResult result = await(backend.put(key, utf8("third"), Precondition.matching(stale)));

        assertThat(result).isInstanceOf(PutResult.PreconditionFailed.class);
        GetResult.Found found = found(key);
        assertThat(found.body()).isEqualTo(utf8("second"));
        assertThat(found.etag()).isEqualTo(current.etag());
    }

    @Test
    void replaceOfADeletedOrNeverCreatedKeyFailsItsPrecondition() throws Exception {
        String key = key("doc");
        String etag = create(key, utf8("content"));
        assertThat(await(backend.delete(key, null))).isTrue();

        assertThat(await(backend.put(key, utf8("again"), Precondition.matching(etag))))
                .isInstanceOf(PutResult.PreconditionFailed.class);
        assertThat(await(backend.put(key("never-created"), utf8("x"), Precondition.matching(etag))))
                .isInstanceOf(PutResult.PreconditionFailed.class);
        assertThat(await(backend.get(key, null))).isInstanceOf(GetResult.NotFound.class);
        assertThat(await(backend.get(key("never-created"), null))).isInstanceOf(GetResult.NotFound.class);
    }

    @Test
    void conditionalGetIsNotModifiedForTheCurrentETagAndFoundForAStaleOne() throws Exception {
        String key = key("doc");
        String stale = create(key, utf8("first"));
        String current = ((PutResult.Written) await(
                backend.put(key, utf8("second"), Precondition.matching(stale)))).etag();

        assertThat(await(backend.get(key, current))).isInstanceOf(GetResult.NotModified.class);
        GetResult withStale = await(backend.get(key, stale));
        assertThat(withStale).isInstanceOf(GetResult.Found.class);
        assertThat(((GetResult.Found) withStale).body()).isEqualTo(utf8("second"));
        assertThat(((GetResult.Found) withStale).etag()).isEqualTo(current);
    }

    @Test
    void deleteRemovesTheObjectAndDeletingAnAbsentObjectSucceeds() throws Exception {
        String key = key("doc");
        create(key, utf8("content"));

        assertThat(await(backend.delete(key, null))).isTrue();
        assertThat(await(backend.get(key, null))).isInstanceOf(GetResult.NotFound.class);
        assertThat(await(backend.delete(key, null))).isTrue();
        assertThat(await(backend.delete(key("never-created"), null))).isTrue();
        // Once deleted, the key can be created again.
        create(key, utf8("recreated"));
        assertThat(found(key).body()).isEqualTo(utf8("recreated"));
    }

    @Test
    void deleteWithAStaleETagKeepsTheObject() throws Exception {
        String key = key("doc");
        String stale = create(key, utf8("first"));
        String current = ((PutResult.Written) await(
                backend.put(key, utf8("second"), Precondition.matching(stale)))).etag();

        assertThat(await(backend.delete(key, stale))).isFalse();

        GetResult.Found found = found(key);
        assertThat(found.body()).isEqualTo(utf8("second"));
        assertThat(found.etag()).isEqualTo(current);
    }

    @Test
    void deleteWithTheMatchingETagRemovesTheObject() throws Exception {
        String key = key("doc");
        String etag = create(key, utf8("content"));

        assertThat(await(backend.delete(key, etag))).isTrue();

        assertThat(await(backend.get(key, null))).isInstanceOf(GetResult.NotFound.class);
    }

    @Test
    void bytesAreCopiedOnPutAndOnGet() throws Exception {
        String key = key("doc");
        byte[] written = utf8("original");
        create(key, written);

        written[0] = 'X';
        byte[] read = found(key).body();
        assertThat(read).isEqualTo(utf8("original"));
        read[0] = 'Y';
        assertThat(found(key).body()).isEqualTo(utf8("original"));
    }

    @Test
    void bytesGivenToAReplaceAreCopied() throws Exception {
        String key = key("doc");
        String etag = create(key, utf8("first"));
        byte[] second = utf8("second");

        await(backend.put(key, second, Precondition.matching(etag)));
        second[0] = 'X';

        assertThat(found(key).body()).isEqualTo(utf8("second"));
    }

    @Test
    void anEmptyBodyRoundTrips() throws Exception {
        String key = key("empty");
        String etag = create(key, new byte[0]);

        GetResult.Found found = found(key);
        assertThat(found.body()).isEmpty();
        assertThat(found.etag()).isEqualTo(etag);
        assertThat(await(backend.get(key, etag))).isInstanceOf(GetResult.NotModified.class);
    }

    @Test
    void aOneMebibyteBodyRoundTrips() throws Exception {
        String key = key("large");
        byte[] body = new byte[1024 * 1024 + 17];
        new Random(42).nextBytes(body);
        String etag = create(key, body);

        GetResult.Found found = found(key);
        assertThat(found.body()).isEqualTo(body);
        assertThat(found.etag()).isEqualTo(etag);

        byte[] changed = body.clone();
        changed[changed.length / 2] ^= 1;
        PutResult replaced = await(backend.put(key, changed, Precondition.matching(etag)));
        assertThat(replaced).isInstanceOf(PutResult.Written.class);
        assertThat(((PutResult.Written) replaced).etag()).isNotEqualTo(etag);
        assertThat(found(key).body()).isEqualTo(changed);
    }

    @Test
    void keysWithSlashesAndBase64UrlCharactersAreDistinct() throws Exception {
        List<String> keys = List.of(
                key("durable-stash/AbC_-xyz09"),
                key("durable-stash/abc_-XYZ09"),
                key("durable-stash/AbC_-xyz09/nested"),
                key("durable-stash"),
                key("durable-stash/k-Q_7a8ZzYy0123456789-_abcdefghijklmnopqrstuvwx"),
                key("durable-stash/x.y"),
                key("durable-stash/xy"));
        List<String> etags = new ArrayList<>();
        for (String k : keys) {
            etags.add(create(k, utf8("value of " + k)));
        }
        for (int i = 0; i < keys.size(); i++) {
            GetResult.Found found = found(keys.get(i));
            assertThat(found.body()).isEqualTo(utf8("value of " + keys.get(i)));
            assertThat(found.etag()).isEqualTo(etags.get(i));
        }
        assertThat(await(backend.delete(keys.get(0), null))).isTrue();
        assertThat(await(backend.get(keys.get(0), null))).isInstanceOf(GetResult.NotFound.class);
        assertThat(found(keys.get(1)).body()).isEqualTo(utf8("value of " + keys.get(1)));
        assertThat(found(keys.get(2)).body()).isEqualTo(utf8("value of " + keys.get(2)));
    }

    @Test
    void aCreateRaceBetweenEightThreadsHasExactlyOneWinner() throws Exception {
        runCreateRaces(List.of(backend), 8, 20);
    }

    /**
     * Runs {@code rounds} rounds in which {@code threads} threads, released together, try to
     * create the same key with different bodies, spreading the threads over the given backends
     * (which must share storage), and checks that each round has exactly one winner whose body is
     * stored.
     *
     * @param backends the backends to use, round-robin by thread
     * @param threads number of threads
     * @param rounds number of rounds
     * @throws Exception when a call fails or times out
     */
    protected void runCreateRaces(List<StorageBackend> backends, int threads, int rounds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < rounds; round++) {
                String key = key("race-" + round);
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<PutResult>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    StorageBackend mine = backends.get(t % backends.size());
                    byte[] body = utf8("writer " + t);
                    results.add(pool.submit(() -> {
                        start.await(timeout().toMillis(), TimeUnit.MILLISECONDS);
                        return await(mine.put(key, body, Precondition.absent()));
                    }));
                }
                List<Integer> winners = new ArrayList<>();
                String winningEtag = null;
                for (int t = 0; t < threads; t++) {
                    PutResult result = results.get(t).get(timeout().toMillis(), TimeUnit.MILLISECONDS);
                    if (result instanceof PutResult.Written written) {
                        winners.add(t);
                        winningEtag = written.etag();
                    } else {
                        assertThat(result).isInstanceOf(PutResult.PreconditionFailed.class);
                    }
                }
                assertThat(winners).as("winners of round %d", round).hasSize(1);
                GetResult.Found stored = found(key);
                assertThat(stored.body()).isEqualTo(utf8("writer " + winners.get(0)));
                assertThat(stored.etag()).isEqualTo(winningEtag);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCompareAndSwapCounterLosesNoIncrement() throws Exception {
        runCounter(List.of(backend), 8, counterIncrementsPerThread());
    }

    /** @return how many increments each of the 8 threads of the counter test makes (default 100) */
    protected int counterIncrementsPerThread() {
        return 100;
    }

    /**
     * Runs {@code threads} threads that each increment a counter {@code increments} times with
     * get + put(If-Match) retry loops, spreading the threads over the given backends (which must
     * share storage), and checks that no increment was lost.
     *
     * @param backends the backends to use, round-robin by thread
     * @param threads number of threads
     * @param increments increments per thread
     * @throws Exception when a call fails or times out
     */
    protected void runCounter(List<StorageBackend> backends, int threads, int increments) throws Exception {
        String key = key("counter");
        create(key, utf8("0"));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                StorageBackend mine = backends.get(t % backends.size());
                workers.add(pool.submit(() -> {
                    start.await(timeout().toMillis(), TimeUnit.MILLISECONDS);
                    for (int i = 0; i < increments; i++) {
                        while (true) {
                            GetResult.Found current = (GetResult.Found) await(mine.get(key, null));
                            int value = Integer.parseInt(new String(current.body(), StandardCharsets.UTF_8));
                            PutResult result = await(mine.put(key, utf8(Integer.toString(value + 1)),
                                    Precondition.matching(current.etag())));
                            if (result instanceof PutResult.Written) {
                                break;
                            }
                        }
                    }
                    return null;
                }));
            }
            long deadline = System.nanoTime() + timeout().toNanos() * 4;
            for (Future<?> worker : workers) {
                long left = deadline - System.nanoTime();
                try {
                    worker.get(Math.max(left, 1), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    throw new AssertionError("counter workers did not finish in time", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(new String(found(key).body(), StandardCharsets.UTF_8))
                .isEqualTo(Integer.toString(threads * increments));
    }
}
