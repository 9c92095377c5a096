package dev.durablestash.benchmarks.micro;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import dev.durablestash.benchmarks.BenchViews;
import dev.durablestash.core.MountKind;
import dev.durablestash.core.Recovery;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.testing.InMemoryStorageBackend;

/**
 * The engine alone: {@link StashAdapter} on the in-memory backend, 1,000 sessions each holding one
 * view of five keys of about 50 bytes, two threads calling at random sessions and waiting for each
 * answer. A stash is a one-key diff (acknowledged after the backend's write); a recover reads a warm
 * view (its actor live) with revalidation off, so it sends no GET.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(2)
public class InMemoryEngineBenchmark {

    private static final int SESSIONS = 1000;

    private StashAdapter stash;
    private String[] sids;

    /** Starts the engine and writes every session once. */
    @Setup(Level.Trial)
    public void start() {
        stash = new StashAdapter(new InMemoryStorageBackend(),
                StashSettings.builder().secret(BenchViews.SECRET).revalidateOnMount(false).build());
        sids = new String[SESSIONS];
        for (int i = 0; i < SESSIONS; i++) {
            sids[i] = SessionIds.newSid();
            stash.stash(sids[i], BenchViews.FIVE_KEYS, BenchViews.allKeys(i)).toCompletableFuture().join();
        }
    }

    /** Closes the engine. */
    @TearDown(Level.Trial)
    public void stop() {
        stash.close();
    }

    /** One acknowledged stash of a one-key diff. */
    @Benchmark
    public Object stash() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return stash.stash(sids[random.nextInt(SESSIONS)], BenchViews.FIVE_KEYS, BenchViews.oneKey(random.nextInt()))
                .toCompletableFuture().join();
    }

    /** One recover of a warm view. */
    @Benchmark
    public Recovery recover() {
        return stash.recover(sids[ThreadLocalRandom.current().nextInt(SESSIONS)], BenchViews.FIVE_KEYS, MountKind.REJOIN)
                .toCompletableFuture().join();
    }
}
