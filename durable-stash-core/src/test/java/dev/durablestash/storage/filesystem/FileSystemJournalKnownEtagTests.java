package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;

/** The journal backend's in-memory ETags: no answer may rest on an ETag that is no longer the key's. */
class FileSystemJournalKnownEtagTests {

    @TempDir
    Path root;

    /** A failed overwrite (its record durable): revalidation and preconditions follow the pending body. */
    @Test
    void afterAFailedOverwriteTheKnownEtagIsNotUsed() throws Exception {
        FileSystemJournalFailedFileChangeTests.FaultyPool pool = new FileSystemJournalFailedFileChangeTests.FaultyPool();
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(root, null, pool, Journal.DEFAULT_SEGMENT_LIMIT)) {
            String one = ((PutResult.Written) await(backend.put("ns/a", utf8("one"), Precondition.absent()))).etag();
            assertThat(await(backend.get("ns/a", one))).isInstanceOf(GetResult.NotModified.class);
            pool.interruptTheNextTask();
            assertThatThrownBy(() -> await(backend.put("ns/a", utf8("two"), Precondition.matching(one))));
            GetResult after = await(backend.get("ns/a", one));
            assertThat(after).isInstanceOf(GetResult.Found.class);
            String two = ((GetResult.Found) after).etag();
            assertThat(await(backend.put("ns/a", utf8("three"), Precondition.matching(one))))
                    .isInstanceOf(PutResult.PreconditionFailed.class);
            assertThat(await(backend.delete("ns/a", one))).isFalse();
            String three = ((PutResult.Written) await(backend.put("ns/a", utf8("three"), Precondition.matching(two)))).etag();
            assertThat(await(backend.get("ns/a", two))).isInstanceOf(GetResult.Found.class);
            assertThat(await(backend.delete("ns/a", three))).isTrue();
            assertThat(await(backend.get("ns/a", three))).isInstanceOf(GetResult.NotFound.class);
            assertThat(await(backend.put("ns/a", utf8("four"), Precondition.matching(three))))
                    .isInstanceOf(PutResult.PreconditionFailed.class);
            assertThat(await(backend.put("ns/a", utf8("four"), Precondition.absent()))).isInstanceOf(PutResult.Written.class);
        }
    }

    /** Replay at open of a crashed journal over stale files, with a shortened key. */
    @Test
    void aReopenedBackendAnswersWhatTheReplayLeft() throws Exception {
        String longKey = "ns/" + "k".repeat(300);
        String one;
        FileSystemStorageBackend first = FileSystemStorageBackend.withJournal(root);
        one = ((PutResult.Written) await(first.put(longKey, utf8("one"), Precondition.absent()))).etag();
        await(first.put(longKey, utf8("two"), Precondition.matching(one)));
        first.crashForTests();
        try (FileSystemStorageBackend reopened = FileSystemStorageBackend.withJournal(root)) {
            assertThat(await(reopened.get(longKey, one))).isInstanceOf(GetResult.Found.class);
            assertThat(await(reopened.put(longKey, utf8("x"), Precondition.matching(one))))
                    .isInstanceOf(PutResult.PreconditionFailed.class);
        }
    }

    /**
     * Randomized: compare-and-swap counters on keys of one stripe, with revalidating gets, deletes with and
     * without ifMatch, and a flood of other keys that clears the known ETags now and then. Each key's
     * successful writes must form one chain: every write names the body it replaced.
     */
    @Test
    void compareAndSwapHoldsUnderConcurrencyAndClearing() throws Exception {
        try (FileSystemStorageBackend backend = FileSystemStorageBackend.withJournal(root, 8)) {
            hammer(backend, null);
        }
    }

    /** The same with failed overwrites now and then (interrupted writer threads): their records are durable. */
    @Test
    void compareAndSwapHoldsWithFailedOverwrites() throws Exception {
        FileSystemJournalFailedFileChangeTests.FaultyPool pool = new FileSystemJournalFailedFileChangeTests.FaultyPool(8);
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(root, null, pool, Journal.DEFAULT_SEGMENT_LIMIT)) {
            hammer(backend, pool);
        }
    }

    private void hammer(FileSystemStorageBackend backend, FileSystemJournalFailedFileChangeTests.@org.jspecify.annotations.Nullable FaultyPool pool)
            throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < 3; i++) {
            String key = "ns/c" + i;
            if (Math.floorMod(key.hashCode(), KeyLocks.STRIPES) == Math.floorMod("ns/c0".hashCode(), KeyLocks.STRIPES)) {
                keys.add(key);
            }
        }
        ExecutorService workers = Executors.newFixedThreadPool(9);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger unique = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        try {
            List<Future<List<String>>> runs = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int seed = w;
                runs.add(workers.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    List<String> problems = new ArrayList<>();
                    String[] etags = new String[keys.size()];
                    String[] bodies = new String[keys.size()];
                    for (int n = 0; n < 1500; n++) {
                        int k = random.nextInt(keys.size());
                        String key = keys.get(k);
                        try {
                        GetResult got = await(backend.get(key, random.nextBoolean() ? etags[k] : null));
                        if (got instanceof GetResult.Found found) {
                            etags[k] = found.etag();
                            bodies[k] = new String(found.body(), StandardCharsets.UTF_8);
                        } else if (got instanceof GetResult.NotFound) {
                            etags[k] = null;
                            bodies[k] = null;
                        } else if (etags[k] == null) {
                            problems.add("NotModified without an ETag");
                        }
                        int action = random.nextInt(10);
                        if (action == 0 && etags[k] != null) {
                            boolean deleted = await(backend.delete(key, etags[k]));
                            if (deleted) {
                                etags[k] = null;
                                bodies[k] = null;
                            }
                        } else {
                            String prev = bodies[k] == null ? "-" : bodies[k].split(" ")[0];
                            String body = unique.incrementAndGet() + " " + prev;
                            Precondition p = etags[k] == null ? Precondition.absent() : Precondition.matching(etags[k]);
                            PutResult put = await(backend.put(key, utf8(body), p));
                            if (put instanceof PutResult.Written written) {
                                log(key, body);
                                etags[k] = written.etag();
                                bodies[k] = body;
                            }
                        }
                        } catch (RuntimeException e) { // an interrupted task: what the key holds is unknown
                            failures.incrementAndGet();
                            etags[k] = null;
                            bodies[k] = null;
                        }
                    }
                    return problems;
                }));
            }
            Future<?> flood = workers.submit(() -> {
                int i = 0;
                SplittableRandom random = new SplittableRandom(99);
                while (!stop.get()) {
                    if (pool != null && random.nextInt(20) == 0) {
                        pool.interruptNext.set(true);
                    }
                    try {
                        await(backend.get("other/k" + (i++), null));
                    } catch (RuntimeException e) {
                        // interrupted
                    }
                }
                return null;
            });
            List<String> problems = new ArrayList<>();
            for (Future<List<String>> run : runs) {
                problems.addAll(run.get());
            }
            stop.set(true);
            flood.get();
            assertThat(problems).isEmpty();
            if (pool != null) {
                assertThat(failures.get()).as("operations of the keys that failed").isPositive();
            }
            // each key's writes: in order of acknowledgement, each replaced the one before (or an absent key after a delete)
            for (String key : keys) {
                List<String> written = writes.getOrDefault(key, List.of());
                java.util.Set<String> ids = new java.util.HashSet<>();
                for (String body : written) {
                    String prev = body.split(" ")[1];
                    assertThat(prev.equals("-") || ids.add(prev)).as("%s replaced %s twice", key, prev).isTrue();
                }
            }
        } finally {
            workers.shutdownNow();
        }
    }

    private final java.util.Map<String, List<String>> writes = new java.util.concurrent.ConcurrentHashMap<>();

    private void log(String key, String body) {
        writes.computeIfAbsent(key, k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(body);
    }
}
