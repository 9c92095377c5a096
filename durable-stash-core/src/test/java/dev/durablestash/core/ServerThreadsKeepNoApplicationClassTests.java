package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.durablestash.testsupport.ChildFirstClassLoader;

/**
 * A server's thread that ran the engine's per-thread bookkeeping keeps no class of the application's: the
 * engine's classes are loaded by a throw-away (child-first) loader and used on a long-lived pool thread, and
 * the loader must be collectable afterwards while the thread lives on (as a container's threads outlive an
 * application undeployed from it).
 */
class ServerThreadsKeepNoApplicationClassTests {

    /** Uses the engine's classes, loaded by {@code loader}, on the server's thread. */
    private interface Use {
        void on(ClassLoader loader) throws Exception;
    }

    @Test
    void aThreadThatDrainedARunnerAndAnsweredACollection() throws Exception {
        assertLoaderCollectedAfter(loader -> {
            Constructor<?> runner = accessible(loader.loadClass(SerialRunner.class.getName())
                    .getDeclaredConstructor(Executor.class));
            Method collect = accessible(loader.loadClass(CallerFuture.Wakes.class.getName())
                    .getDeclaredMethod("collect", Runnable.class));
            Executor first = (Executor) runner.newInstance((Executor) Runnable::run);
            Executor other = (Executor) runner.newInstance((Executor) Runnable::run);
            first.execute(() -> other.execute(() -> { }));
            collect.invoke(null, (Runnable) () -> { });
        });
    }

    @Test
    void aThreadThatHandedOnAViewTurn() throws Exception {
        assertLoaderCollectedAfter(loader -> {
            Class<?> deadlinesClass = loader.loadClass(Deadlines.class.getName());
            Object deadlines = accessible(deadlinesClass.getDeclaredConstructor(Executor.class))
                    .newInstance((Executor) Runnable::run);
            Class<?> turnsClass = loader.loadClass(ViewTurns.class.getName());
            Object turns = accessible(turnsClass.getDeclaredConstructor(deadlinesClass, Duration.class))
                    .newInstance(deadlines, Duration.ofSeconds(5));
            Method acquire = accessible(turnsClass.getDeclaredMethod("acquire", String.class, String.class));
            Object turn = ((CompletionStage<?>) acquire.invoke(turns, "lane", "view")).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            loader.loadClass(ViewTurn.class.getName()).getMethod("close").invoke(turn); // hands the turn on
            ((AutoCloseable) deadlines).close();
        });
    }

    private static void assertLoaderCollectedAfter(Use use) throws Exception {
        ExecutorService server = Executors.newSingleThreadExecutor();
        try {
            WeakReference<ClassLoader> loader = usedOnce(server, use);
            for (int i = 0; i < 50 && loader.get() != null; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertThat(loader.get()).as("the application's loader was collected").isNull();
            server.submit(() -> { }).get(10, TimeUnit.SECONDS); // the thread is still alive
        } finally {
            server.shutdownNow();
        }
    }

    private static WeakReference<ClassLoader> usedOnce(ExecutorService server, Use use) throws Exception {
        URL classes = SerialRunner.class.getProtectionDomain().getCodeSource().getLocation();
        ClassLoader loader = new ChildFirstClassLoader(new URL[] {classes},
                ServerThreadsKeepNoApplicationClassTests.class.getClassLoader());
        assertThat(loader.loadClass(SerialRunner.class.getName())).isNotSameAs(SerialRunner.class);
        server.submit(() -> {
            use.on(loader);
            return null;
        }).get(10, TimeUnit.SECONDS);
        return new WeakReference<>(loader);
    }

    private static <T extends AccessibleObject> T accessible(T member) {
        member.setAccessible(true);
        return member;
    }
}
