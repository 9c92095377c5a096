package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageException;
import dev.durablestash.testsupport.UndeployCheck;

/**
 * The filesystem backend's journal: replay after a crash, what a torn record does, who may share
 * the root, and segments dropped by checkpoints. A crash is {@link FileSystemStorageBackend#crashForTests()}
 * (the journal left as it is, no checkpoint); what a crash of the machine does to files written
 * without {@code fsync} is simulated by damaging every object file a remaining segment names.
 */
class FileSystemJournalTests {

    @TempDir
    Path root;

    @org.junit.jupiter.api.extension.RegisterExtension
    final dev.durablestash.testsupport.ExpectedLogs logs =
            dev.durablestash.testsupport.ExpectedLogs.of(FileSystemStorageBackend.class);

    static FileSystemStorageBackend journaled(Path root, long segmentLimit) {
        return new FileSystemStorageBackend(root, null, Executors.newFixedThreadPool(16), segmentLimit);
    }

    @Test
    void writesAreReadBackAndTheJournalIsDroppedOnClose() throws Exception {
        try (FileSystemStorageBackend backend = FileSystemStorageBackend.withJournal(root)) {
            assertThat(backend.hasJournal()).isTrue();
            PutResult.Written first = (PutResult.Written) await(backend.put("ns/a", utf8("one"), Precondition.absent()));
            await(backend.put("ns/a", utf8("two"), Precondition.matching(first.etag())));
            await(backend.put("ns/b", utf8("bee"), Precondition.absent()));
            assertThat(await(backend.delete("ns/b", null))).isTrue();
            assertThat(body(backend, "ns/a")).isEqualTo("two");
            assertThat(await(backend.get("ns/b", null))).isInstanceOf(GetResult.NotFound.class);
            assertThat(segments()).hasSize(1);
        }
        assertThat(segments()).isEmpty();
        try (FileSystemStorageBackend reopened = FileSystemStorageBackend.withJournal(root)) {
            assertThat(body(reopened, "ns/a")).isEqualTo("two");
        }
    }

    /** The journal's directory is its backend's alone: it knows each key's ETag without reading the file. */
    @Test
    void aRevalidatingGetAndAConditionalPutOfAKnownKeyReadNoFile() throws Exception {
        try (FileSystemStorageBackend backend = FileSystemStorageBackend.withJournal(root.resolve("journaled"));
                FileSystemStorageBackend plain = new FileSystemStorageBackend(root.resolve("plain"))) {
            for (FileSystemStorageBackend each : List.of(backend, plain)) {
                String etag = ((PutResult.Written) await(each.put("ns/a", utf8("one"), Precondition.absent()))).etag();
                Files.write(each.objectFile("ns/a"), utf8("changed behind its back"));
                GetResult revalidated = await(each.get("ns/a", etag));
                PutResult conditional = await(each.put("ns/a", utf8("two"), Precondition.matching(etag)));
                if (each == backend) {
                    assertThat(revalidated).isInstanceOf(GetResult.NotModified.class);
                    assertThat(conditional).isInstanceOf(PutResult.Written.class);
                    assertThat(body(each, "ns/a")).isEqualTo("two");
                } else {
                    assertThat(revalidated).isInstanceOf(GetResult.Found.class);
                    assertThat(conditional).isInstanceOf(PutResult.PreconditionFailed.class);
                }
            }
            assertThat(await(backend.get("ns/missing", null))).isInstanceOf(GetResult.NotFound.class);
            Files.write(backend.objectFile("ns/missing"), utf8("planted"));
            assertThat(await(backend.get("ns/missing", null))).isInstanceOf(GetResult.NotFound.class);
        }
    }

    /**
     * What the known ETags answer (not modified, not found) is answered at once on the caller's thread:
     * no task for the executor, no thread hand-off. Anything else, and anything after close, still goes
     * to the executor.
     */
    @Test
    void whatTheKnownEtagsAnswerIsAnsweredWithoutTheExecutor() throws Exception {
        java.util.concurrent.atomic.AtomicInteger tasks = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        java.util.concurrent.Executor counting = task -> {
            tasks.incrementAndGet();
            pool.execute(task);
        };
        try {
            FileSystemStorageBackend backend = new FileSystemStorageBackend(root, counting, null,
                    Journal.DEFAULT_SEGMENT_LIMIT);
            String one = ((PutResult.Written) await(backend.put("ns/a", utf8("one"), Precondition.absent()))).etag();
            assertThat(await(backend.get("ns/none", null))).isInstanceOf(GetResult.NotFound.class);
            int before = tasks.get();
            java.util.concurrent.CompletableFuture<GetResult> same = backend.get("ns/a", one).toCompletableFuture();
            java.util.concurrent.CompletableFuture<GetResult> none = backend.get("ns/none", null).toCompletableFuture();
            assertThat(same).isCompletedWithValueMatching(GetResult.NotModified.class::isInstance);
            assertThat(none).isCompletedWithValueMatching(GetResult.NotFound.class::isInstance);
            assertThat(tasks.get()).as("tasks handed to the executor").isEqualTo(before);

            assertThat(body(backend, "ns/a")).as("no ETag given: read from the file").isEqualTo("one");
            assertThat(tasks.get()).isEqualTo(before + 1);
            String two = ((PutResult.Written) await(backend.put("ns/a", utf8("two"), Precondition.matching(one)))).etag();
            GetResult afterPut = await(backend.get("ns/a", one));
            assertThat(afterPut).as("the old ETag, once the put was acknowledged").isInstanceOf(GetResult.Found.class);
            assertThat(((GetResult.Found) afterPut).etag()).isEqualTo(two);
            assertThat(backend.get("ns/a", two).toCompletableFuture())
                    .isCompletedWithValueMatching(GetResult.NotModified.class::isInstance);
            assertThat(await(backend.delete("ns/a", two))).isTrue();
            assertThat(backend.get("ns/a", two).toCompletableFuture()).as("deleted, acknowledged")
                    .isCompletedWithValueMatching(GetResult.NotFound.class::isInstance);

            backend.close();
            assertThatThrownBy(() -> await(backend.get("ns/none", null))).isInstanceOf(StorageException.class)
                    .hasMessageContaining("closed");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theEtagsItKnowsAreBounded() throws Exception {
        try (FileSystemStorageBackend backend = FileSystemStorageBackend.withJournal(root)) {
            List<java.util.concurrent.CompletionStage<GetResult>> gets = new ArrayList<>();
            for (int i = 0; i < 10_050; i++) {
                gets.add(backend.get("ns/k" + i, null));
            }
            for (java.util.concurrent.CompletionStage<GetResult> get : gets) {
                assertThat(await(get)).isInstanceOf(GetResult.NotFound.class);
            }
            assertThat(backend.knownEtagCount()).isBetween(1, 10_000);
        }
    }

    @Test
    void aCrashedJournalIsReplayedOverLostFileWritesWithDeletionsAndShortenedKeys() throws Exception {
        String longKey = "ns/" + "k".repeat(300);
        FileSystemStorageBackend backend = journaled(root, Journal.DEFAULT_SEGMENT_LIMIT);
        PutResult.Written a = (PutResult.Written) await(backend.put("ns/a", utf8("a1"), Precondition.absent()));
        await(backend.put("ns/a", utf8("a2"), Precondition.matching(a.etag())));
        await(backend.put("ns/gone", utf8("x"), Precondition.absent()));
        await(backend.delete("ns/gone", null));
        await(backend.put(longKey, utf8("long"), Precondition.absent()));
        backend.crashForTests();
        assertThat(segments()).hasSize(1);

        // A crash of the machine may leave files written without fsync empty, old or absent.
        Files.write(backend.objectFile("ns/a"), new byte[0]);
        Files.write(backend.objectFile("ns/gone"), utf8("x"));
        Files.delete(backend.objectFile(longKey));

        try (FileSystemStorageBackend reopened = FileSystemStorageBackend.withJournal(root)) {
            assertThat(segments()).hasSize(1); // the new one; the old one was replayed and deleted
            assertThat(body(reopened, "ns/a")).isEqualTo("a2");
            assertThat(await(reopened.get("ns/gone", null))).isInstanceOf(GetResult.NotFound.class);
            assertThat(body(reopened, longKey)).isEqualTo("long");
            assertThat(await(reopened.listKeys("ns/", null, 10))).containsExactly("ns/a", longKey);
        }
    }

    @Test
    void aBackendWithoutJournalReplaysOneLeftBehindWhenTheRootIsItsAlone() throws Exception {
        FileSystemStorageBackend backend = journaled(root, Journal.DEFAULT_SEGMENT_LIMIT);
        await(backend.put("ns/a", utf8("journaled"), Precondition.absent()));
        backend.crashForTests();
        Files.write(backend.objectFile("ns/a"), new byte[0]);

        try (FileSystemStorageBackend plain = new FileSystemStorageBackend(root)) {
            assertThat(body(plain, "ns/a")).isEqualTo("journaled");
            assertThat(segments()).isEmpty();
        }
    }

    @Test
    void aTornLastRecordIsIgnoredAndTheRecordsBeforeItAreReplayed() throws Exception {
        logs.expect(ch.qos.logback.classic.Level.WARN, "that are not a whole record (a write a crash cut short");
        FileSystemStorageBackend backend = journaled(root, Journal.DEFAULT_SEGMENT_LIMIT);
        await(backend.put("ns/a", utf8("kept"), Precondition.absent()));
        PutResult.Written b = (PutResult.Written) await(backend.put("ns/b", utf8("b1"), Precondition.absent()));
        backend.crashForTests();
        Path segment = segments().get(0);
        // The torn write: a record of ns/b whose end never reached the disk, then nothing.
        byte[] torn = recordOf("ns/b", utf8("b2, never acknowledged"));
        Files.write(segment, java.util.Arrays.copyOf(torn, torn.length - 5), StandardOpenOption.APPEND);
        Files.write(backend.objectFile("ns/a"), new byte[0]);
        Files.write(backend.objectFile("ns/b"), new byte[0]);

        try (FileSystemStorageBackend reopened = FileSystemStorageBackend.withJournal(root)) {
            assertThat(body(reopened, "ns/a")).isEqualTo("kept");
            assertThat(await(reopened.get("ns/b", null))).isInstanceOfSatisfying(GetResult.Found.class,
                    (found) -> assertThat(found.etag()).isEqualTo(b.etag()));
        }
    }

    @Test
    void aRecordWithABadChecksumEndsTheSegment() throws Exception {
        logs.expect(ch.qos.logback.classic.Level.WARN, "that are not a whole record (a write a crash cut short");
        FileSystemStorageBackend backend = journaled(root, Journal.DEFAULT_SEGMENT_LIMIT);
        await(backend.put("ns/a", utf8("a1"), Precondition.absent()));
        backend.crashForTests();
        Path segment = segments().get(0);
        byte[] record = recordOf("ns/a", utf8("a2"));
        record[record.length - 1] ^= 1;
        Files.write(segment, record, StandardOpenOption.APPEND);
        Files.write(backend.objectFile("ns/a"), new byte[0]);

        try (FileSystemStorageBackend reopened = FileSystemStorageBackend.withJournal(root)) {
            assertThat(body(reopened, "ns/a")).isEqualTo("a1");
        }
    }

    /** With a journal, files are overwritten in place; a read must still see a whole body, old or new. */
    @Test
    void readsNeverSeeAHalfOverwrittenBody() throws Exception {
        byte[] longBody = "a".repeat(20_000).getBytes(StandardCharsets.US_ASCII);
        byte[] shortBody = "b".repeat(10).getBytes(StandardCharsets.US_ASCII);
        try (FileSystemStorageBackend backend = journaled(root, Journal.DEFAULT_SEGMENT_LIMIT)) {
            String etag = ((PutResult.Written) await(backend.put("ns/a", longBody, Precondition.absent()))).etag();
            ExecutorService reader = Executors.newSingleThreadExecutor();
            java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
            Future<Integer> reads = reader.submit(() -> {
                int count = 0;
                while (writing.get()) {
                    byte[] body = ((GetResult.Found) await(backend.get("ns/a", null))).body();
                    assertThat(java.util.Arrays.equals(body, longBody) || java.util.Arrays.equals(body, shortBody))
                            .as("a read of %d bytes starting %s", body.length,
                                    new String(body, 0, Math.min(body.length, 12), StandardCharsets.US_ASCII))
                            .isTrue();
                    count++;
                }
                return count;
            });
            try {
                for (int i = 0; i < 300; i++) {
                    etag = ((PutResult.Written) await(backend.put("ns/a", i % 2 == 0 ? shortBody : longBody,
                            Precondition.matching(etag)))).etag();
                }
            } finally {
                writing.set(false);
            }
            assertThat(reads.get(30, TimeUnit.SECONDS)).isPositive();
            reader.shutdown();
        }
    }

    @Test
    @SuppressWarnings("try") // each backend holds the root for its try block, which does not use it
    void aJournalNeedsTheRootToItself() throws Exception {
        try (FileSystemStorageBackend plain = new FileSystemStorageBackend(root)) {
            assertThatThrownBy(() -> FileSystemStorageBackend.withJournal(root))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("in use by another backend of this process")
                    .hasMessageContaining("needs its directory to itself");
        }
        try (FileSystemStorageBackend journaled = FileSystemStorageBackend.withJournal(root)) {
            assertThatThrownBy(() -> new FileSystemStorageBackend(root)).isInstanceOf(StorageException.class);
            assertThatThrownBy(() -> FileSystemStorageBackend.withJournal(root)).isInstanceOf(StorageException.class);
        }
        try (FileSystemStorageBackend again = FileSystemStorageBackend.withJournal(root)) {
            assertThat(again.hasJournal()).isTrue(); // the root was given back by close()
        }
    }

    @Test
    void segmentsAreDroppedByCheckpointsOnceTheirFilesAreForced() throws Exception {
        try (FileSystemStorageBackend backend = journaled(root, 512)) {
            String etag = ((PutResult.Written) await(backend.put("ns/a", utf8("0"), Precondition.absent()))).etag();
            for (int i = 1; i <= 200; i++) {
                etag = ((PutResult.Written) await(backend.put("ns/a", utf8(i + " ".repeat(100)),
                        Precondition.matching(etag)))).etag();
            }
            List<Path> left = segmentsOnceAtMostOne(root, TimeUnit.SECONDS.toNanos(10));
            assertThat(left).hasSize(1); // 200 records of 100 bytes went through about 40 segments
            assertThat(left.get(0).getFileName().toString()).isNotEqualTo(String.format("%019d.log", 1));
        }
    }

    /**
     * Checkpoints run on the backend's executor and may finish in any order; a segment must never
     * be deleted while an older one is kept (replay would apply the older records over newer files
     * that the later checkpoint forced). Here the test is the executor and runs the newest
     * checkpoint it holds first; the first one fails once: the later ones wait until its retry (a
     * second later) succeeded, then all are dropped in order.
     */
    @Test
    void aSegmentIsDeletedOnlyOnceEveryOlderOneIs() throws Exception {
        logs.expect(ch.qos.logback.classic.Level.WARN, "Cannot drop journal segment");
        java.util.concurrent.BlockingDeque<Runnable> queued = new java.util.concurrent.LinkedBlockingDeque<>();
        List<String> forced = java.util.Collections.synchronizedList(new ArrayList<>());
        boolean[] failFirst = {true};
        Journal.ObjectFiles files = FileSystemJournalTests.forcing((keys) -> {
            forced.addAll(keys);
            if (failFirst[0]) {
                failFirst[0] = false;
                throw new java.io.IOException("disk full");
            }
        });
        Journal journal = Journal.open(root, 64, files, queued::add); // every 100-byte record fills a segment
        for (int i = 0; i < 3; i++) {
            journal.appendAndWait("ns/k" + i, new byte[100]).done();
        }
        awaitQueued(queued, 1);
        assertThat(queued).as("only the oldest segment's checkpoint may start").hasSize(1);
        queued.pollLast().run();
        assertThat(forced).containsExactly("ns/k0");
        awaitQueued(queued, 0);
        assertThat(queued).as("the later checkpoints wait for the failed one").isEmpty();
        assertThat(segments()).hasSize(4); // the three sealed ones and the current one

        Runnable retry = queued.pollFirst(2, TimeUnit.SECONDS);
        assertThat(retry).as("the failed checkpoint, tried again after a second").isNotNull();
        retry.run();
        while (!queued.isEmpty()) {
            queued.pollLast().run();
        }
        assertThat(forced).containsExactly("ns/k0", "ns/k0", "ns/k1", "ns/k2");
        assertThat(segments()).hasSize(1);
        journal.close();
        assertThat(segments()).isEmpty();
    }

    /**
     * An executor that throws something other than a rejection when a checkpoint is handed to it (the
     * first time: then it runs what it is given) must not leave the segment undropped, and every
     * segment after it with it, until the journal closes: the checkpoint is tried again later. Seen
     * failing before: the exception vanished in the stage that started the checkpoint, and the
     * segments were never dropped.
     */
    @Test
    void aCheckpointTheExecutorFailsToTakeIsTriedAgain() throws Exception {
        logs.expect(ch.qos.logback.classic.Level.WARN, "Cannot drop journal segment");
        List<String> forced = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean refuseNext = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.ExecutorService pool = Executors.newSingleThreadExecutor();
        java.util.concurrent.Executor failingOnce = (task) -> {
            if (refuseNext.getAndSet(false)) {
                throw new IllegalStateException("executor out of order");
            }
            pool.execute(task);
        };
        Journal journal = Journal.open(root, 64, forcing(forced::addAll), failingOnce); // a segment per record
        try {
            for (int i = 0; i < 3; i++) {
                journal.appendAndWait("ns/k" + i, new byte[100]).done();
            }
            List<Path> left = segmentsOnceAtMostOne(root, TimeUnit.SECONDS.toNanos(10));
            assertThat(left).as("segments left while the journal is open").hasSize(1);
            assertThat(forced).containsExactly("ns/k0", "ns/k1", "ns/k2");
        } finally {
            journal.close();
            pool.shutdownNow();
        }
    }

    /**
     * A failed checkpoint was tried again through the JDK's delay thread, which the first such retry of the
     * JVM starts with the context class loader of the backend's thread and which never ends: an application
     * stopped in a container stayed in memory.
     */
    @Test
    void aCheckpointTriedAgainLeavesNoThreadHoldingTheApplicationsLoader() throws Exception {
        assertThat(UndeployCheck.assertNoThreadKeepsTheLoader(CheckpointTriedAgain.class).output())
                .as("the checkpoint failed once").contains("Cannot drop journal segment");
    }

    /** Run by the test above in a JVM of its own: the first checkpoint fails once, then all succeed. */
    static final class CheckpointTriedAgain {
        public static void main(String[] args) throws Exception {
            UndeployCheck.exitAfter(() -> {
                Path root = Files.createTempDirectory("journal-retry");
                ExecutorService pool = Executors.newSingleThreadExecutor();
                boolean[] failFirst = {true};
                Journal journal = Journal.open(root, 64, forcing((keys) -> {
                    if (failFirst[0]) {
                        failFirst[0] = false;
                        throw new java.io.IOException("disk full");
                    }
                }), pool);
                for (int i = 0; i < 3; i++) {
                    journal.appendAndWait("ns/k" + i, new byte[100]).done();
                }
                assertThat(segmentsOnceAtMostOne(root, TimeUnit.SECONDS.toNanos(10))).hasSize(1);
                journal.close();
                pool.shutdown();
                assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
                try (Stream<Path> paths = Files.walk(root)) {
                    paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            });
        }
    }

    @Test
    void theJournalReportsAProblemOnceItsWriterThreadIsGone() throws Exception {
        Journal journal = Journal.open(root, Journal.DEFAULT_SEGMENT_LIMIT, forcing((keys) -> { }), Runnable::run);
        journal.appendAndWait("ns/a", utf8("a")).done();
        assertThat(journal.problem()).isNull();
        journal.halt(); // stands for a writer thread that died
        assertThat(journal.problem()).contains("writer thread").contains("has ended");
        assertThatThrownBy(() -> journal.appendAndWait("ns/a", utf8("b"))).isInstanceOf(java.io.IOException.class);
    }

    /** What a journal tested alone does to object files: never replays; forces as {@code force} says. */
    static Journal.ObjectFiles forcing(ForceAction force) {
        return new Journal.ObjectFiles() {
            @Override
            public void apply(String key, byte[] body) {
                throw new AssertionError("nothing to replay");
            }

            @Override
            public void force(java.util.Set<String> keys) throws java.io.IOException {
                force.force(keys);
            }
        };
    }

    /** A checkpoint's forcing of files, as a test wants it. */
    @FunctionalInterface
    interface ForceAction {
        void force(java.util.Set<String> keys) throws java.io.IOException;
    }

    private static void awaitQueued(java.util.Deque<Runnable> queued, int size) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (queued.size() < size && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(50); // give a wrongly started later checkpoint the time to show up
    }

    /**
     * Randomized against a model: 16 threads, each a compare-and-swap chain on keys of its own (so
     * the last acknowledged body of each key is known), over segments of a few records, then a
     * crash; every object file that a remaining segment names is damaged, as a crash of the
     * machine may leave it. After the replay every key must hold its last acknowledged body.
     */
    @Test
    void afterACrashEveryKeyHoldsItsLastAcknowledgedWrite() throws Exception {
        for (int round = 0; round < 4; round++) {
            Path directory = root.resolve("round-" + round);
            FileSystemStorageBackend backend = journaled(directory, 700);
            Map<String, String> acknowledged = new ConcurrentHashMap<>();
            int threads = 16;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                long seed = round * 100L + t;
                workers.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    Map<String, String> etags = new HashMap<>();
                    start.await();
                    for (int i = 0; i < 60; i++) {
                        String key = "ns/t" + thread + "-k" + random.nextInt(4);
                        if (random.nextInt(8) == 0 && etags.containsKey(key)) {
                            assertThat(await(backend.delete(key, etags.remove(key)))).isTrue();
                            acknowledged.remove(key);
                            continue;
                        }
                        String body = key + " #" + i + " " + "x".repeat(random.nextInt(80));
                        String previous = etags.get(key);
                        PutResult result = await(backend.put(key, utf8(body),
                                previous == null ? Precondition.absent() : Precondition.matching(previous)));
                        etags.put(key, ((PutResult.Written) result).etag());
                        acknowledged.put(key, body);
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            backend.crashForTests();

            List<Path> left = segmentsIn(directory);
            assertThat(left).isNotEmpty();
            for (String key : keysNamedIn(left)) {
                Path file = backend.objectFile(key);
                if (Files.exists(file)) {
                    Files.write(file, utf8("damaged"));
                } else {
                    Files.createDirectories(file.getParent());
                    Files.write(file, utf8("resurrected"));
                }
            }
            try (FileSystemStorageBackend reopened = FileSystemStorageBackend.withJournal(directory)) {
                for (int t = 0; t < threads; t++) {
                    for (int k = 0; k < 4; k++) {
                        String key = "ns/t" + t + "-k" + k;
                        GetResult result = await(reopened.get(key, null));
                        if (acknowledged.containsKey(key)) {
                            assertThat(result).as(key).isInstanceOf(GetResult.Found.class);
                            assertThat(new String(((GetResult.Found) result).body(), StandardCharsets.UTF_8))
                                    .as(key).isEqualTo(acknowledged.get(key));
                        } else {
                            assertThat(result).as(key).isInstanceOf(GetResult.NotFound.class);
                        }
                    }
                }
            }
        }
    }

    private static String body(FileSystemStorageBackend backend, String key) throws Exception {
        GetResult result = await(backend.get(key, null));
        assertThat(result).as(key).isInstanceOf(GetResult.Found.class);
        return new String(((GetResult.Found) result).body(), StandardCharsets.UTF_8);
    }

    private List<Path> segments() throws Exception {
        return segmentsIn(root);
    }

    /**
     * Lists the journal's segments until at most one is left or {@code timeoutNanos} passed.
     *
     * @return the listing that ended the wait: assert on it, not on a later one. The committer starts the
     *     next segment after it acknowledged the batch that filled the current one, so a listing taken
     *     later may show that new segment beside the current one until the current one's checkpoint
     *     drops it.
     */
    static List<Path> segmentsOnceAtMostOne(Path root, long timeoutNanos) throws Exception {
        long deadline = System.nanoTime() + timeoutNanos;
        List<Path> listed = segmentsIn(root);
        while (listed.size() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
            listed = segmentsIn(root);
        }
        return listed;
    }

    static List<Path> segmentsIn(Path root) throws Exception {
        Path directory = root.resolve(Journal.DIRECTORY);
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter((file) -> file.toString().endsWith(Journal.SEGMENT_SUFFIX)).sorted().toList();
        }
    }

    /** The keys with a record in these segments, read as replay reads them. */
    private static List<String> keysNamedIn(List<Path> segments) throws Exception {
        Map<String, byte[]> latest = new java.util.LinkedHashMap<>();
        for (Path segment : segments) {
            Journal.read(segment, latest);
        }
        return List.copyOf(latest.keySet());
    }

    /** A put record as the journal writes it. */
    private static byte[] recordOf(String key, byte[] body) {
        byte[] name = key.getBytes(StandardCharsets.US_ASCII);
        java.nio.ByteBuffer payload = java.nio.ByteBuffer.allocate(3 + name.length + body.length);
        payload.put((byte) 1).putShort((short) name.length).put(name).put(body).flip();
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(payload.duplicate());
        java.nio.ByteBuffer record = java.nio.ByteBuffer.allocate(8 + payload.remaining());
        record.putInt(payload.remaining()).putInt((int) crc.getValue()).put(payload);
        return record.array();
    }
}
