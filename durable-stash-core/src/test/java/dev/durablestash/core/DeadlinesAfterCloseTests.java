package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * The engine's deadline timer thread does not hold the class loader of the request that first set a
 * deadline: a servlet container's web application loader, with which a stopping container reported
 * it as a thread the application leaked, while a deadline still in flight kept it alive. And once the
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

    @Test
    void theTimerThreadDoesNotHoldTheClassLoaderOfTheThreadThatFirstSetADeadline() throws Exception {
        List<Thread> before = deadlineThreads();
        try (URLClassLoader webApplication = new URLClassLoader(new URL[0], getClass().getClassLoader());
                StashAdapter adapter = new StashAdapter(new MapStorageBackend(), Engines.settings().build())) {
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
            assertThat(ours).singleElement().extracting(Thread::getContextClassLoader)
                    .isNotSameAs(webApplication).isSameAs(Deadlines.class.getClassLoader());
        }
    }
}
