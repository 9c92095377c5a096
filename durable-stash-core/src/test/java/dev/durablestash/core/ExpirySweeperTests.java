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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;
import dev.durablestash.testsupport.MutableClock;

/** The filesystem backend's expiry sweeper: bounded, resumable, exact under concurrent writers and sweepers. */
class ExpirySweeperTests {

    static final String SECRET = "sweeper-tests-secret-0123456789abcdefgh";
    static final Duration TTL = Duration.ofHours(1);
    static final ViewDefinition VIEW = ViewDefinition.builder("notes").key("n", Integer.class).build();

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

    FileSystemStorageBackend backend() {
        return opened(new FileSystemStorageBackend(dir));
    }

    StashAdapter engine(FileSystemStorageBackend backend) {
        return opened(new StashAdapter(backend, settings().build()));
    }

    List<String> write(StashAdapter engine, int sessions) throws Exception {
        List<String> sids = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            String sid = SessionIds.newSid();
            await(engine.stash(sid, VIEW, Map.of("n", i)));
            sids.add(sid);
        }
        return sids;
    }

    List<String> keys(FileSystemStorageBackend backend) throws Exception {
        return await(backend.listKeys("", null, 1000));
    }

    @Test
    void expiredDocumentsAreDeletedLiveOnesKeptAndTheDeletionsCounted() throws Exception {
        FileSystemStorageBackend backend = backend();
        StashAdapter engine = engine(backend);
        write(engine, 3);
        clock.advance(TTL.minusMinutes(10));
        List<String> live = write(engine, 2);
        clock.advance(Duration.ofMinutes(11)); // the first three expired, the last two have 49 minutes left

        ExpirySweeper sweeper = opened(new ExpirySweeper(backend, settings().build(), 100));
        assertThat(sweeper.sweepOnce()).isEqualTo(new ExpirySweeper.Sweep(5, 3));
        assertThat(sweeper.swept()).isEqualTo(3);
        assertThat(keys(backend)).hasSize(2);
        for (String sid : live) {
            assertThat(await(engine(backend).recover(sid, VIEW, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.RECOVERED);
        }
    }

    @Test
    void expiredStateIsNeverServedEvenBeforeASweep() throws Exception {
        FileSystemStorageBackend backend = backend();
        String sid = write(engine(backend), 1).get(0);
        clock.advance(TTL);
        Recovery recovery = await(engine(backend).recover(sid, VIEW, MountKind.FRESH));
        assertThat(recovery.status()).isEqualTo(RecoveryStatus.NOT_FOUND);
        assertThat(recovery.values()).isEmpty();
    }

    @Test
    void eachRunExaminesAtMostItsShareAndTheNextResumesWhereItStopped() throws Exception {
        FileSystemStorageBackend backend = backend();
        write(engine(backend), 5);
        clock.advance(TTL);
        ExpirySweeper sweeper = opened(new ExpirySweeper(backend, settings().build(), 2));

        assertThat(sweeper.sweepOnce()).isEqualTo(new ExpirySweeper.Sweep(2, 2));
        assertThat(sweeper.sweepOnce()).isEqualTo(new ExpirySweeper.Sweep(2, 2));
        assertThat(sweeper.sweepOnce()).isEqualTo(new ExpirySweeper.Sweep(1, 1));
        assertThat(keys(backend)).isEmpty();
        assertThat(sweeper.swept()).isEqualTo(5);
    }

    @Test
    void aRunThatReachesTheEndStartsAgainFromTheFirstKey() throws Exception {
        FileSystemStorageBackend backend = backend();
        write(engine(backend), 3);
        ExpirySweeper sweeper = opened(new ExpirySweeper(backend, settings().build(), 2));
        assertThat(sweeper.sweepOnce()).isEqualTo(new ExpirySweeper.Sweep(2, 0)); // all live
        assertThat(sweeper.sweepOnce()).isEqualTo(new ExpirySweeper.Sweep(1, 0)); // the end
        clock.advance(TTL);
        assertThat(sweeper.sweepOnce()).isEqualTo(new ExpirySweeper.Sweep(2, 2)); // from the first again
        assertThat(sweeper.sweepOnce()).isEqualTo(new ExpirySweeper.Sweep(1, 1));
    }

    @Test
    void aSessionWrittenAgainJustBeforeItsSweepKeepsItsNewState() throws Exception {
        FileSystemStorageBackend backend = backend();
        String sid = write(engine(backend), 1).get(0);
        clock.advance(TTL);
        ExpirySweeper sweeper = opened(new ExpirySweeper(backend, settings().build(), 10));
        CountDownLatch decided = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        sweeper.beforeDelete(key -> {
            decided.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CompletableFuture<ExpirySweeper.Sweep> sweep = CompletableFuture.supplyAsync(sweeper::sweepOnce);
        assertThat(decided.await(30, TimeUnit.SECONDS)).as("the sweeper decided to delete it").isTrue();

        StashAdapter comesBack = engine(backend);
        await(comesBack.stash(sid, VIEW, Map.of("n", 42))); // the session returns before the delete
        release.countDown();

        assertThat(sweep.get(30, TimeUnit.SECONDS)).isEqualTo(new ExpirySweeper.Sweep(1, 0));
        assertThat(await(engine(backend).recover(sid, VIEW, MountKind.FRESH)).values()).containsOnly(Map.entry("n", 42));
    }

    @Test
    void aDocumentReplacedByAnotherProcessJustBeforeItsSweepStays() throws Exception {
        FileSystemStorageBackend backend = backend();
        FileSystemStorageBackend otherProcess = backend(); // its own backend on the same directory
        String sid = write(engine(backend), 1).get(0);
        String key = keys(backend).get(0);
        byte[] expired = ((GetResult.Found) await(backend.get(key, null))).body();
        clock.advance(TTL);
        byte[] rewritten = new String(expired, StandardCharsets.UTF_8).replace("\"n\":0", "\"n\":7")
                .replace(clock.instant().toString(), clock.instant().plus(TTL).toString()).getBytes(StandardCharsets.UTF_8);
        ExpirySweeper sweeper = opened(new ExpirySweeper(backend, settings().build(), 10));
        sweeper.beforeDelete(k -> {
            try {
                String etag = ((GetResult.Found) await(otherProcess.get(k, null))).etag();
                await(otherProcess.put(k, rewritten, Precondition.matching(etag)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        assertThat(sweeper.sweepOnce()).isEqualTo(new ExpirySweeper.Sweep(1, 0));
        assertThat(((GetResult.Found) await(backend.get(key, null))).body()).isEqualTo(rewritten);
        assertThat(sid).isNotNull();
    }

    @Test
    void twoSweepersOnOneDirectoryDeleteExactlyTheExpiredDocuments() throws Exception {
        FileSystemStorageBackend first = backend();
        FileSystemStorageBackend second = backend();
        write(engine(first), 12);
        clock.advance(TTL.minusMinutes(1));
        List<String> live = write(engine(second), 4);
        clock.advance(Duration.ofMinutes(1));
        ExpirySweeper one = opened(new ExpirySweeper(first, settings().build(), 3));
        ExpirySweeper two = opened(new ExpirySweeper(second, settings().build(), 5));
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (ExpirySweeper sweeper : List.of(one, two)) {
                runs.add(threads.submit(() -> {
                    for (int i = 0; i < 6; i++) {
                        sweeper.sweepOnce();
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(keys(first)).hasSize(4);
        assertThat(one.swept() + two.swept()).isBetween(12L, 24L);
        for (String sid : live) {
            assertThat(await(engine(first).recover(sid, VIEW, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.RECOVERED);
        }
    }

    @Test
    void unreadableDocumentsQuarantinedCopiesAndOtherPrefixesAreLeftAlone() throws Exception {
        FileSystemStorageBackend backend = backend();
        write(engine(backend), 1);
        String key = keys(backend).get(0);
        byte[] expiredDoc = ((GetResult.Found) await(backend.get(key, null))).body();
        clock.advance(TTL);
        await(backend.put("durable-stash/garbage", "{not json".getBytes(StandardCharsets.UTF_8), Precondition.absent()));
        await(backend.put(key + ".corrupt-0123456789abcdef", expiredDoc, Precondition.absent()));
        await(backend.put("someone-else/doc", expiredDoc, Precondition.absent()));

        ExpirySweeper sweeper = opened(new ExpirySweeper(backend, settings().build(), 10));
        assertThat(sweeper.sweepOnce()).isEqualTo(new ExpirySweeper.Sweep(2, 1));
        assertThat(keys(backend)).containsExactlyInAnyOrder("durable-stash/garbage", key + ".corrupt-0123456789abcdef",
                "someone-else/doc");
    }

    @Test
    void encryptedDocumentsAreSweptToo() throws Exception {
        FileSystemStorageBackend backend = backend();
        await(opened(new StashAdapter(backend, settings().encryptAtRest(true).build()))
                .stash(SessionIds.newSid(), VIEW, Map.of("n", 1)));
        clock.advance(TTL);
        ExpirySweeper sweeper = opened(new ExpirySweeper(backend, settings().encryptAtRest(true).build(), 10));
        assertThat(sweeper.sweepOnce()).isEqualTo(new ExpirySweeper.Sweep(1, 1));
    }

    @Test
    void startedItSweepsOnItsOwnUntilClosed() throws Exception {
        FileSystemStorageBackend backend = backend();
        write(engine(backend), 2);
        clock.advance(TTL);
        ExpirySweeper sweeper = opened(new ExpirySweeper(backend, settings().build(), 10));
        sweeper.start(Duration.ofMillis(20));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (sweeper.swept() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        sweeper.close(); // may stop a run in progress: what it deleted is counted, nothing after
        long swept = sweeper.swept();
        assertThat(swept).isBetween(1L, 2L);
        write(engine(backend), 2);
        clock.advance(TTL); // two more expired documents
        Thread.sleep(100); // several intervals
        assertThat(sweeper.swept()).as("no run after close()").isEqualTo(swept);
    }
}
