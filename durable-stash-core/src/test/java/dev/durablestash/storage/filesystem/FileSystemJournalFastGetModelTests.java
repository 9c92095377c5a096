package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * The gets answered from the known ETags on the caller's thread: randomized against a
 * sequential model of one writer's versions, with failing in-place changes (interrupted I/O
 * threads), checkpoints (small segments), the known ETags' bound (reads of many absent keys) and a
 * key on the same stripe.
 */
class FileSystemJournalFastGetModelTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.of(FileSystemStorageBackend.class)
            .allow(Level.WARN, "Cannot drop journal segment");

    @TempDir
    Path root;

    /**
     * Every get answers a version at least as new as the last acknowledged write when it started and
     * the newest version any get that completed before it started answered (failed writes included).
     */
    @Test
    void getsNeverGoBackUnderFailingChangesCheckpointsAndTheBound() throws Exception {
        String key = "ns/a";
        String mate = FileSystemJournalFailedFileChangeTests.keyOnTheStripeOf(key, "ns/m");
        FileSystemJournalFailedFileChangeTests.FaultyPool pool = new FileSystemJournalFailedFileChangeTests.FaultyPool(6);
        Map<String, Integer> indexOfEtag = new ConcurrentHashMap<>();
        ConcurrentSkipListSet<Integer> deletions = new ConcurrentSkipListSet<>();
        deletions.add(0); // the initial state: absent
        AtomicInteger attempted = new AtomicInteger();
        AtomicInteger acknowledged = new AtomicInteger();
        AtomicInteger observed = new AtomicInteger();
        AtomicBoolean writing = new AtomicBoolean();
        AtomicLong fastDuringWrite = new AtomicLong();
        AtomicLong fast = new AtomicLong();
        AtomicLong failedWrites = new AtomicLong();
        List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(root, null, pool, 2048)) {
            await(backend.put("ns/other", utf8("x"), Precondition.absent()));
            List<Thread> threads = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                threads.add(new Thread(() -> {
                    String last = null;
                    while (!stop.get()) {
                        int lower = Math.max(acknowledged.get(), observed.get());
                        boolean duringWrite = writing.get();
                        String ifNoneMatch = ThreadLocalRandom.current().nextInt(4) == 0 ? null : last;
                        CompletableFuture<GetResult> stage = backend.get(key, ifNoneMatch).toCompletableFuture();
                        boolean done = stage.isDone();
                        GetResult result;
                        try {
                            result = stage.join();
                        } catch (RuntimeException e) {
                            continue; // an interrupted read
                        }
                        if (done) {
                            fast.incrementAndGet();
                            if (duringWrite && writing.get()) {
                                fastDuringWrite.incrementAndGet();
                            }
                        }
                        int index;
                        if (result instanceof GetResult.Found found) {
                            index = indexOfEtag.get(found.etag());
                            last = found.etag();
                        } else if (result instanceof GetResult.NotModified) {
                            index = indexOfEtag.get(ifNoneMatch);
                        } else {
                            Integer d = deletions.ceiling(lower);
                            index = d == null ? -1 : d;
                            last = null;
                        }
                        if (index < lower) {
                            violations.add(result + " for " + ifNoneMatch + ": version " + index + " < " + lower);
                        } else {
                            observed.accumulateAndGet(index, Math::max);
                        }
                    }
                }));
            }
            threads.add(new Thread(() -> { // the known ETags' bound: many absent keys, and the stripe's mate
                int n = 0;
                while (!stop.get()) {
                    try {
                        backend.get("z/" + n++, null).toCompletableFuture().join();
                        if (n % 50 == 0) {
                            backend.put(mate, utf8("m" + n), Precondition.absent()).toCompletableFuture().join();
                            backend.delete(mate, null).toCompletableFuture().join();
                        }
                    } catch (RuntimeException e) {
                        // interrupted
                    }
                }
            }));
            threads.forEach(Thread::start);
            String current = null;
            long until = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < until) {
                int i = attempted.incrementAndGet();
                boolean delete = current != null && ThreadLocalRandom.current().nextInt(5) == 0;
                String body = "v" + i;
                if (!delete) {
                    indexOfEtag.put(DurableFiles.etagOf(utf8(body)), i);
                } else {
                    deletions.add(i);
                }
                if (ThreadLocalRandom.current().nextInt(4) == 0) {
                    pool.interruptNext.set(true);
                }
                writing.set(true);
                try {
                    if (delete) {
                        await(backend.delete(key, current));
                        current = null;
                    } else {
                        PutResult result = await(backend.put(key, utf8(body),
                                current == null ? Precondition.absent() : Precondition.matching(current)));
                        assertThat(result).isInstanceOf(PutResult.Written.class);
                        current = ((PutResult.Written) result).etag();
                    }
                    writing.set(false);
                    acknowledged.set(i);
                } catch (Exception e) {
                    writing.set(false);
                    failedWrites.incrementAndGet();
                    pool.interruptNext.set(false);
                    GetResult now = null; // learn what the key holds now
                    while (now == null) {
                        try {
                            now = await(backend.get(key, null));
                        } catch (Exception again) {
                            // interrupted read
                        }
                    }
                    current = now instanceof GetResult.Found found ? found.etag() : null;
                }
            }
            stop.set(true);
            for (Thread thread : threads) {
                thread.join();
            }
        }
        assertThat(violations).as("of %d writes (%d failed), %d gets answered at once (%d during a write)",
                attempted.get(), failedWrites.get(), fast.get(), fastDuringWrite.get()).isEmpty();
        assertThat(failedWrites.get()).as("failed writes").isPositive();
        assertThat(fastDuringWrite.get()).as("fast gets during a write").isPositive();
    }

    /**
     * A listing that found the key's file, once it completed, is followed by a get that says the key is
     * absent: the put that created the file is still overwriting it, and the known ETags still say
     * absent. Before, the get waited on its stripe's read lock for the overwrite and found the key.
     */
    @Test
    void aGetAfterAListingThatFoundTheKeySaysItIsAbsent() throws Exception {
        String key = "ns/big";
        byte[] body = new byte[48 * 1024 * 1024];
        java.util.Arrays.fill(body, (byte) 'b');
        int seen = 0;
        int absentAfterListed = 0;
        try (FileSystemStorageBackend backend = FileSystemStorageBackend.withJournal(root, 8)) {
            for (int round = 0; round < 5; round++) {
                assertThat(await(backend.get(key, null))).isInstanceOf(GetResult.NotFound.class); // known absent
                CompletableFuture<PutResult> put = backend.put(key, body, Precondition.absent()).toCompletableFuture();
                while (!put.isDone()) {
                    if (await(backend.listKeys("ns/", null, 10)).contains(key)) {
                        seen++;
                        GetResult after = await(backend.get(key, null));
                        if (after instanceof GetResult.NotFound && !put.isDone()) {
                            absentAfterListed++;
                        }
                        break;
                    }
                }
                await(put);
                await(backend.delete(key, null));
            }
        }
        assertThat(seen).as("listings that found the key while its put ran").isPositive();
        assertThat(absentAfterListed).as("gets that said absent after a completed listing found the key").isZero();
    }
}
