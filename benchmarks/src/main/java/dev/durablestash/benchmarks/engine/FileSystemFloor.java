package dev.durablestash.benchmarks.engine;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.durablestash.benchmarks.Figures;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;

/**
 * What the filesystem backend alone does on this machine's disk, without the engine or HTTP: the
 * ceiling of {@code http_fs_vs_redis_ratio}'s DurableStash app, whose every acknowledged write is
 * durable. 64 threads each replace a key of their own in a compare-and-swap chain (a 400-byte body,
 * {@code If-Match} the ETag of its last write) through a {@link FileSystemStorageBackend} with its
 * default pool, in a directory under {@code target/bench} (the disk the app writes to), for 5 seconds
 * after a 3-second warm-up:
 *
 * <ul>
 *   <li>{@code fs_backend_puts_per_s}: acknowledged puts per second;</li>
 *   <li>{@code fs_cpu_ms_per_backend_put}: this process's CPU time (user and system) per put.</li>
 * </ul>
 */
public final class FileSystemFloor {

    private static final int CALLERS = 64;

    private FileSystemFloor() {
    }

    /**
     * @param args optional: a scale factor for the durations (default 1)
     * @throws Exception if the benchmark fails
     */
    public static void main(String[] args) throws Exception {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        Path parent = Files.createDirectories(Path.of("target", "bench"));
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(Files.createTempDirectory(parent, "fs-floor-"))) {
            measure(backend, scale, "fs_backend_puts_per_s", "fs_cpu_ms_per_backend_put");
        }
        try (FileSystemStorageBackend backend = FileSystemStorageBackend.withJournal(
                Files.createTempDirectory(parent, "fs-floor-journal-"))) {
            measure(backend, scale, "fs_journal_backend_puts_per_s", "fs_journal_cpu_ms_per_backend_put");
        }
        System.exit(0);
    }

    private static void measure(FileSystemStorageBackend backend, double scale, String rate, String cpu)
            throws InterruptedException {
        round(backend, (long) (3000 * scale));
        long cpuBefore = processCpuNanos();
        CallerRounds.Round measured = round(backend, (long) (5000 * scale));
        double cpuMillis = (processCpuNanos() - cpuBefore) / 1e6;
        long puts = measured.operations;
        double seconds = measured.seconds;
        Figures.note("filesystem backend alone" + (backend.hasJournal() ? " with its journal" : "") + ": " + CALLERS
                + " callers, " + puts + " puts in " + Figures.format(seconds) + " s, "
                + Runtime.getRuntime().availableProcessors() + " cores");
        Figures.print(rate, puts / seconds, "puts/s");
        Figures.print(cpu, cpuMillis / puts, "ms");
    }

    /** @return the puts acknowledged in {@code millis} by {@link #CALLERS} threads, each on a key of its own */
    private static CallerRounds.Round round(FileSystemStorageBackend backend, long millis) throws InterruptedException {
        Precondition[] preconditions = new Precondition[CALLERS];
        for (int t = 0; t < CALLERS; t++) {
            backend.delete(key(t), null).toCompletableFuture().join();
            preconditions[t] = Precondition.absent();
        }
        byte[] body = new byte[400];
        long[] written = new long[CALLERS];
        return CallerRounds.run(CALLERS, millis, thread -> {
            body[0] = (byte) written[thread]++; // bodies differ, so ETags do (the race on the shared array is harmless)
            PutResult result = backend.put(key(thread), body, preconditions[thread]).toCompletableFuture().join();
            if (!(result instanceof PutResult.Written put)) {
                throw new IllegalStateException("a put of " + key(thread) + " was refused: " + result);
            }
            preconditions[thread] = Precondition.matching(put.etag());
        });
    }

    private static String key(int thread) {
        return "floor/" + thread;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
