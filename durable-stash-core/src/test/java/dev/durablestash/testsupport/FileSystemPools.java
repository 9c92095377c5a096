package dev.durablestash.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.durablestash.storage.filesystem.FileSystemStorageBackend;

/** Looks at the I/O pool a {@link FileSystemStorageBackend} made for itself (its threads' names). */
public final class FileSystemPools {

    private static final String THREAD_PREFIX = "durable-stash-fs-";

    private FileSystemPools() {
    }

    /**
     * Runs enough reads at once for a fixed pool to have made every one of its threads (it makes one per
     * task until it has them all, and keeps them), then counts the live threads of the backend's pool.
     *
     * @param backend a backend with a pool of its own, of at most 256 threads
     * @return the number of threads in its pool
     */
    public static int poolThreads(FileSystemStorageBackend backend) {
        String pool = poolPrefix(backend);
        List<CompletableFuture<?>> reads = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            reads.add(backend.get("pool-probe/" + i, null).toCompletableFuture());
        }
        reads.forEach(CompletableFuture::join);
        return liveThreads(pool);
    }

    /** @return how many live threads have a name that starts with {@code prefix} */
    public static int liveThreads(String prefix) {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().startsWith(prefix))
                .count();
    }

    /** @return {@code "durable-stash-fs-N-"}, the name prefix of the threads of the backend's pool */
    public static String poolPrefix(FileSystemStorageBackend backend) {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            // Usually on the pool's thread (a read takes longer than attaching this); else it ran here: try again.
            String name = backend.get("pool-probe/" + attempt, null).toCompletableFuture()
                    .thenApply(ignored -> Thread.currentThread().getName()).join();
            if (name.startsWith(THREAD_PREFIX)) {
                return name.substring(0, name.lastIndexOf('-') + 1);
            }
        }
        throw new AssertionError("no read of " + backend + " completed on a thread of its pool");
    }
}
