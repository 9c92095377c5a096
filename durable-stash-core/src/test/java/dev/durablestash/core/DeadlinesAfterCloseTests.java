package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.durablestash.testsupport.UndeployCheck;

/**
 * The engine's deadline timer thread holds the class loader of the thread that built the engine (the
 * application's, at startup), not that of the request that first set a deadline: a servlet
 * container's web application loader, with which a stopping container reported it as a thread the
 * application leaked, while a deadline still in flight kept it alive. And once the
 * engine is closed with nothing in flight, the thread ends at once, though live actors had their
 * idle expiry scheduled on it.
 */
class DeadlinesAfterCloseTests {

    static final ViewDefinition COUNTER = ViewDefinition.builder("counter").key("count", int.class).build();

    private static List<Thread> deadlineThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("durable-stash-deadlines")).toList();
    }

    @Test
    void theTimerThreadEndsWhenTheEngineClosesThoughActorsWereLive() throws Exception {
        List<Thread> before = deadlineThreads();
        List<Thread> ours;
        try (StashAdapter adapter = new StashAdapter(new MapStorageBackend(), Engines.settings().build())) {
            for (int i = 0; i < 3; i++) {
                await(adapter.stash(SessionIds.newSid(), COUNTER, Map.of("count", i)));
            }
            ours = deadlineThreads().stream().filter(thread -> !before.contains(thread)).toList();
            assertThat(ours).as("the engine's timer thread, started by the stashes").hasSize(1);
        }
        Thread timer = ours.get(0);
        timer.join(2_000);
        assertThat(timer.isAlive()).as("the timer thread 2 s after close").isFalse();
    }

    /**
     * The application's loader may see classes the library's cannot (Spring Boot devtools' restart
     * loader): code run on the timer's hand-offs resolves them through it.
     */
    @Test
    void theTimerThreadHoldsTheClassLoaderOfTheThreadThatBuiltTheEngineNotThatOfTheFirstRequest()
            throws Exception {
        List<Thread> before = deadlineThreads();
        ClassLoader saved = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader application = new URLClassLoader(new URL[0], getClass().getClassLoader());
                URLClassLoader webApplication = new URLClassLoader(new URL[0], application)) {
            Thread.currentThread().setContextClassLoader(application); // as at the application's startup
            StashAdapter adapter = new StashAdapter(new MapStorageBackend(), Engines.settings().build());
            Thread.currentThread().setContextClassLoader(saved);
            try (adapter) {
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread request = new Thread(() -> {
                    try {
                        await(adapter.stash(SessionIds.newSid(), COUNTER, Map.of("count", 1)));
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }, "a request");
                request.setContextClassLoader(webApplication);
                request.start();
                request.join();
                assertThat(failure.get()).isNull();
                List<Thread> ours = deadlineThreads().stream().filter(thread -> !before.contains(thread)).toList();
                assertThat(ours).singleElement().extracting(Thread::getContextClassLoader).isSameAs(application);
            }
        } finally {
            Thread.currentThread().setContextClassLoader(saved);
        }
    }

    /**
     * A deadline set after close (by an operation in flight at close) fired on the JDK's delay thread, which
     * the first such deadline of the JVM starts with the caller's context class loader and which never ends:
     * an application stopped in a container stayed in memory.
     */
    @Test
    void aDeadlineSetAfterCloseLeavesNoThreadHoldingTheApplicationsLoader() throws Exception {
        UndeployCheck.assertNoThreadKeepsTheLoader(DeadlineAfterClose.class);
    }

    /** Run by the test above in a JVM of its own: sets a deadline before and one after close. */
    static final class DeadlineAfterClose {
        public static void main(String[] args) throws Exception {
            UndeployCheck.exitAfter(() -> {
                ExecutorService pool = Executors.newSingleThreadExecutor();
                CountDownLatch fired = new CountDownLatch(2);
                Deadlines deadlines = new Deadlines(pool);
                deadlines.after(Duration.ofMillis(10), fired::countDown);
                deadlines.close();
                deadlines.after(Duration.ofMillis(10), fired::countDown);
                assertThat(fired.await(10, TimeUnit.SECONDS)).as("both deadlines fired").isTrue();
                pool.shutdown();
                assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            });
        }
    }
}
