package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;
import dev.durablestash.testsupport.ExpectedLogs;
import dev.durablestash.testsupport.MutableClock;

/** The filesystem expiry sweeper: attacks that its own tests do not make. */
class ExpirySweeperEdgeCaseTests {

    static final String SECRET = "sweeper-review-secret-0123456789abcdefgh";
    static final Duration TTL = Duration.ofHours(1);
    static final ViewDefinition VIEW = ViewDefinition.builder("notes").key("n", Integer.class).build();

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.of(ExpirySweeper.class);

    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    StashSettings.Builder settings() {
        return StashSettings.builder().secret(SECRET).ttl(TTL).clock(clock);
    }

    <T extends AutoCloseable> T opened(T closeable) {
        open.add(closeable);
        return closeable;
    }

    /** Plain documents that expired an hour ago, written straight into the store. */
    void writeExpired(FileSystemStorageBackend backend, int count) throws Exception {
        byte[] doc = ("{\"format\":1,\"expiresAt\":\"" + clock.instant().minus(TTL) + "\",\"views\":{}}")
                .getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < count; i++) {
            await(backend.put(String.format("durable-stash/session-%05d", i), doc, Precondition.absent()));
        }
    }

    @Test
    void aSweepIsNotAbortedByDocumentsThatAnotherProcessDeletesMeanwhile() throws Exception {
        FileSystemStorageBackend first = opened(new FileSystemStorageBackend(dir));
        FileSystemStorageBackend second = opened(new FileSystemStorageBackend(dir)); // another process on the directory
        writeExpired(first, 1_500);
        ExpirySweeper one = opened(new ExpirySweeper(first, settings().build(), 10_000));
        ExpirySweeper two = opened(new ExpirySweeper(second, settings().build(), 10_000));

        AtomicBoolean done = new AtomicBoolean();
        List<Throwable> failures = new ArrayList<>();
        AtomicInteger runs = new AtomicInteger();
        CompletableFuture<Void> other = CompletableFuture.runAsync(() -> {
            while (!done.get()) {
                try {
                    two.sweepOnce();
                    runs.incrementAndGet();
                } catch (RuntimeException e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }
        });
        try {
            one.sweepOnce();
        } finally {
            done.set(true);
            other.get(60, TimeUnit.SECONDS);
        }
        assertThat(failures).as("runs of the second sweeper that failed while the first one deleted (%s succeeded)", runs)
                .isEmpty();
    }

    @Test
    void expiredPlainDocumentsLeftFromBeforeTheMigrationAreSweptAfterIt() throws Exception {
        FileSystemStorageBackend backend = opened(new FileSystemStorageBackend(dir));
        await(opened(new StashAdapter(backend, settings().build())).stash(SessionIds.newSid(), VIEW, Map.of("n", 1)));
        clock.advance(TTL.plusMinutes(1)); // a session that never came back, as the migration procedure leaves them

        ExpirySweeper sweeper = opened(new ExpirySweeper(backend, settings().encryptAtRest(true).build(), 10));
        assertThat(sweeper.sweepOnce()).isEqualTo(new ExpirySweeper.Sweep(1, 1));
    }

    @Test
    void aRunThatFailsWithAnErrorDoesNotStopTheLaterRuns() throws Exception {
        FileSystemStorageBackend backend = opened(new FileSystemStorageBackend(dir));
        writeExpired(backend, 2);
        ExpirySweeper sweeper = opened(new ExpirySweeper(backend, settings().build(), 1));
        AtomicInteger decisions = new AtomicInteger();
        CountDownLatch secondRun = new CountDownLatch(1);
        sweeper.beforeDelete(key -> {
            if (decisions.incrementAndGet() == 1) {
                // e.g. an OutOfMemoryError decoding an oversized file in the sweeper's thread
                throw new OutOfMemoryError("simulated in the sweeper's thread");
            }
            secondRun.countDown();
        });
        logs.expect(Level.ERROR, "simulated in the sweeper's thread");
        sweeper.start(Duration.ofMillis(20));
        assertThat(secondRun.await(5, TimeUnit.SECONDS)).as("a later run after the one that failed with an Error")
                .isTrue();
    }

    @Test
    void documentsWhoseFileNamesWereShortenedAreSweptToo() throws Exception {
        FileSystemStorageBackend backend = opened(new FileSystemStorageBackend(dir));
        StashSettings.Builder prefixed = settings().keyPrefix("Tenant-ACME-Production-Sessions-");
        await(opened(new StashAdapter(backend, prefixed.build())).stash(SessionIds.newSid(), VIEW, Map.of("n", 1)));
        clock.advance(TTL);

        ExpirySweeper sweeper = opened(new ExpirySweeper(backend, prefixed.build(), 10));
        assertThat(sweeper.sweepOnce()).isEqualTo(new ExpirySweeper.Sweep(1, 1));
    }

    /**
     * An application that stops while a scheduled run waits for a storage call that does not answer (a
     * hung disk or network mount): close() returns at once, and the run stops without a WARN. Before, close()
     * waited for the run's lock, held for up to a minute per storage call of the run.
     */
    @Test
    void closeDoesNotWaitForARunStuckInAStorageCall() throws Exception {
        AtomicBoolean stalled = new AtomicBoolean();
        ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();
        CountDownLatch stuck = new CountDownLatch(1);
        Executor io = task -> {
            if (stalled.get()) {
                held.add(task); // a storage call that does not answer until the test lets it
                stuck.countDown();
            } else {
                ForkJoinPool.commonPool().execute(task);
            }
        };
        FileSystemStorageBackend backend = opened(new FileSystemStorageBackend(dir, io));
        writeExpired(backend, 3);
        ExpirySweeper sweeper = new ExpirySweeper(backend, settings().build(), 10);
        stalled.set(true);
        sweeper.start(Duration.ofMillis(20));
        assertThat(stuck.await(5, TimeUnit.SECONDS)).as("the run called the storage").isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(sweeper::close);
        try {
            assertThat(closing).as("close() while a run waits for the storage").succeedsWithin(Duration.ofSeconds(5));
        } finally {
            stalled.set(false);
            held.forEach(Runnable::run);
            closing.join();
        }
    }

    /** A run that close() stops counts the documents it deleted before (swept() counts every deletion). */
    @Test
    void aRunStoppedByCloseCountsWhatItDeleted() throws Exception {
        FileSystemStorageBackend backend = opened(new FileSystemStorageBackend(dir));
        writeExpired(backend, 2);
        ExpirySweeper sweeper = new ExpirySweeper(backend, settings().build(), 10);
        sweeper.beforeDelete(key -> {
            if (key.endsWith("00001")) {
                sweeper.close(); // the application stops while the run is at its second document
            }
        });
        sweeper.sweepOnce();

        int left = await(backend.listKeys("durable-stash/", null, 10)).size();
        assertThat(left).as("documents left").isLessThan(2);
        assertThat(sweeper.swept()).as("deletions counted").isEqualTo(2 - left);
    }
}
