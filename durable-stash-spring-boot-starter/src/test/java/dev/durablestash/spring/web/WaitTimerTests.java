package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.springframework.util.FileSystemUtils;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.core.ViewTurn;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;
import dev.durablestash.testsupport.UndeployCheck;

/**
 * The bounds of the non-blocking waits for the engine (a WebFlux or asynchronous MVC request's recover, turn
 * and stash) leave no thread behind that keeps a stopped application in memory.
 */
class WaitTimerTests {

    @StashedView(name = "tally")
    static class Tally {
        @Stashed int count;
    }

    @Test
    void aBoundThatFiresFailsTheFutureWithTheContextClassLoaderOfItsSetter() throws Exception {
        CompletableFuture<String> future = new CompletableFuture<>();
        AtomicReference<ClassLoader> seen = new AtomicReference<>();
        ClassLoader saved = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader setter = new URLClassLoader(new URL[0], saved)) {
            Thread.currentThread().setContextClassLoader(setter);
            WaitTimer.orTimeout(future, TimeUnit.MILLISECONDS.toNanos(50));
            Thread.currentThread().setContextClassLoader(saved);
            CompletableFuture<Thread> failedOn = future.handle((value, error) -> {
                seen.set(Thread.currentThread().getContextClassLoader());
                assertThat(error).isInstanceOf(TimeoutException.class);
                return Thread.currentThread();
            });
            Thread timer = failedOn.get(10, TimeUnit.SECONDS);
            assertThat(timer.getName()).isEqualTo(WaitTimer.THREAD_NAME);
            assertThat(seen.get()).as("the context class loader of the continuation").isSameAs(setter);
            timer.join(30_000); // a second after the last bound (another test's may be pending)
            assertThat(timer.isAlive()).as("the timer thread, 30 s later").isFalse();
            // (not before: the bound's own dependents run before the loader is reset)
            assertThat(timer.getContextClassLoader()).as("the timer's own, once the bound fired").isNull();
        } finally {
            Thread.currentThread().setContextClassLoader(saved);
        }
    }

    @Test
    void aBoundWhoseFutureCompletedFirstIsDroppedAtOnce() throws Exception {
        int before = WaitTimer.pending();
        CompletableFuture<String> future = new CompletableFuture<>();
        WaitTimer.orTimeout(future, TimeUnit.HOURS.toNanos(1));
        assertThat(WaitTimer.pending()).isEqualTo(before + 1);
        future.complete("answered");
        assertThat(WaitTimer.pending()).isEqualTo(before);
        CompletableFuture<String> endless = new CompletableFuture<>();
        WaitTimer.orTimeout(endless, Long.MAX_VALUE);
        endless.cancel(false);
        assertThat(WaitTimer.pending()).isEqualTo(before);
    }

    /**
     * The bounds were {@code CompletableFuture.orTimeout}, whose JDK delay thread the first one of the JVM
     * starts with the caller's context class loader and which never ends.
     */
    @Test
    void asynchronousWaitsLeaveNoThreadHoldingTheApplicationsLoader() throws Exception {
        UndeployCheck.assertNoThreadKeepsTheLoader(AsynchronousWaits.class);
    }

    /** Run by the test above in a JVM of its own: a turn, a recover and a stash, each waited for without blocking. */
    static final class AsynchronousWaits {
        public static void main(String[] args) throws Exception {
            UndeployCheck.exitAfter(() -> {
                ExecutorService pool = Executors.newFixedThreadPool(2);
                StashSettings settings = StashSettings.builder().secret(BindingTestSupport.SECRET).executor(pool)
                        .build();
                Path root = Files.createTempDirectory("waits");
                // answers on its pool, after the waits were bounded (an in-memory backend answers at once)
                try (FileSystemStorageBackend storage = new FileSystemStorageBackend(root, pool);
                        StashAdapter adapter = new StashAdapter(storage, settings)) {
                    StashedViewType type = new StashedViews(settings, List.of()).typeOf(Tally.class);
                    String sid = SessionIds.newSid();
                    Duration timeout = BindingTestSupport.TIMEOUT;
                    ViewTurn turn = ViewBinding.awaitTurnAsync(type, sid, adapter, timeout).toCompletableFuture()
                            .get(10, TimeUnit.SECONDS);
                    turn.close();
                    Tally tally = new Tally();
                    ViewBinding binding = ViewBinding.recoverAsync(type, tally, sid, MountKind.FRESH, adapter, timeout)
                            .toCompletableFuture().get(10, TimeUnit.SECONDS);
                    tally.count = 1;
                    binding.stashAsync().toCompletableFuture().get(10, TimeUnit.SECONDS);
                }
                pool.shutdown();
                assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
                FileSystemUtils.deleteRecursively(root);
            });
        }
    }
}
