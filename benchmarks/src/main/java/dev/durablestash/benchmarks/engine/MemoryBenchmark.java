package dev.durablestash.benchmarks.engine;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;

import dev.durablestash.benchmarks.BenchViews;
import dev.durablestash.benchmarks.CountingBackend;
import dev.durablestash.benchmarks.Figures;
import dev.durablestash.core.MountKind;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.testing.InMemoryStorageBackend;

/**
 * Memory, threads and request counts, on the in-memory backend:
 *
 * <ul>
 *   <li>{@code engine_heap_mb_100k_sessions}: 100,000 sessions touched once each (one stash of five
 *       keys) by two threads, with the default cap of live actors (10,000). The engine's heap is the
 *       heap used after GC with the engine, minus the heap used after GC once the engine is closed and
 *       unreachable while the backend (the stored bytes) is kept;</li>
 *   <li>{@code threads_delta_100k_sessions}: live threads after those touches minus before (the engine
 *       already started and warm);</li>
 *   <li>{@code gets_per_warm_mount}: storage GETs per recover of a view whose session actor is live,
 *       with revalidation on and off.</li>
 * </ul>
 */
public final class MemoryBenchmark {

    private static final int SESSIONS = 100_000;

    private MemoryBenchmark() {
    }

    /**
     * @param args none
     * @throws Exception if the benchmark fails
     */
    public static void main(String[] args) throws Exception {
        getsPerWarmMount();
        heap();
        System.exit(0);
    }

    private static void getsPerWarmMount() {
        double[] perMount = new double[2];
        boolean[] revalidate = {true, false};
        for (int r = 0; r < 2; r++) {
            CountingBackend backend = new CountingBackend(new InMemoryStorageBackend());
            try (StashAdapter stash = new StashAdapter(backend,
                    StashSettings.builder().secret(BenchViews.SECRET).revalidateOnMount(revalidate[r]).build())) {
                String sid = SessionIds.newSid();
                stash.stash(sid, BenchViews.FIVE_KEYS, BenchViews.allKeys(0)).toCompletableFuture().join();
                stash.recover(sid, BenchViews.FIVE_KEYS, MountKind.FRESH).toCompletableFuture().join();
                long before = backend.gets();
                int mounts = 1000;
                for (int i = 0; i < mounts; i++) {
                    stash.recover(sid, BenchViews.FIVE_KEYS, i % 2 == 0 ? MountKind.FRESH : MountKind.REJOIN)
                            .toCompletableFuture().join();
                }
                perMount[r] = (double) (backend.gets() - before) / mounts;
            }
        }
        Figures.print("gets_per_warm_mount", Figures.format(perMount[0]) + "/" + Figures.format(perMount[1]),
                "GETs/mount (revalidation on/off)");
    }

    private static void heap() throws InterruptedException {
        InMemoryStorageBackend backend = new InMemoryStorageBackend();
        long[] touched = touch(backend); // the engine is closed and unreachable when it returns
        long withEngine = touched[0];
        long withoutEngine = usedHeapAfterGc();
        long engineBytes = withEngine - withoutEngine;
        long liveActors = touched[2];
        Figures.note("heap after GC: " + mb(withEngine) + " MiB after the touches, " + mb(withoutEngine)
                + " MiB with the engine closed and the backend's " + SESSIONS + "+ documents kept; live actors "
                + liveActors + ", backend PUTs " + backend.count(InMemoryStorageBackend.Operation.PUT));
        Figures.print("engine_heap_mb_100k_sessions", engineBytes / (1024.0 * 1024.0), "MiB");
        Figures.print("threads_delta_100k_sessions", touched[1], "threads");
        if (liveActors > 0) {
            Figures.print("heap_bytes_per_live_actor", (double) engineBytes / liveActors, "bytes");
        }
    }

    /** @return heap used after GC with the engine, the change in live threads, the live actors */
    private static long[] touch(InMemoryStorageBackend backend) throws InterruptedException {
        StashAdapter stash = new StashAdapter(backend, StashSettings.builder().secret(BenchViews.SECRET).build());
        for (int i = 0; i < 1000; i++) {
            stash.stash(SessionIds.newSid(), BenchViews.FIVE_KEYS, BenchViews.allKeys(i)).toCompletableFuture().join();
        }
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        AtomicLong next = new AtomicLong();
        Thread[] workers = new Thread[2];
        for (int t = 0; t < workers.length; t++) {
            workers[t] = new Thread(() -> {
                for (long i = next.getAndIncrement(); i < SESSIONS; i = next.getAndIncrement()) {
                    stash.stash(SessionIds.newSid(), BenchViews.FIVE_KEYS, BenchViews.allKeys(i))
                            .toCompletableFuture().join();
                }
            }, "bench-toucher-" + t);
            workers[t].start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        long withEngine = usedHeapAfterGc();
        int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount(); // the two touchers have ended
        long liveActors = stash.statistics().liveActors();
        stash.close();
        return new long[] {withEngine, threadsAfter - threadsBefore, liveActors};
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static String mb(long bytes) {
        return Figures.format(bytes / (1024.0 * 1024.0));
    }
}
