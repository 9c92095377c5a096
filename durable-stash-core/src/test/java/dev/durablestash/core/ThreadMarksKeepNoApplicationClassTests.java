package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * A server thread that drained a runner and answered a collection keeps no class of
 * the application's. SerialRunner and CallerFuture are loaded by a throw-away (child-first) loader, used on a
 * long-lived pool thread, and the loader must be collectable afterwards while the thread lives on.
 */
class ThreadMarksKeepNoApplicationClassTests {

    private static final class ChildFirst extends URLClassLoader {
        ChildFirst(URL[] urls, ClassLoader parent) {
            super(urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                if (name.startsWith("dev.durablestash.core.")) {
                    Class<?> c = findLoadedClass(name);
                    if (c == null) {
                        c = findClass(name);
                    }
                    return c;
                }
                return super.loadClass(name, resolve);
            }
        }
    }

    @Test
    void aServerThreadThatDrainedARunnerKeepsNoApplicationClassLoader() throws Exception {
        ExecutorService server = Executors.newSingleThreadExecutor();
        try {
            WeakReference<ClassLoader> loader = useOnce(server);
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

    private static WeakReference<ClassLoader> useOnce(ExecutorService server) throws Exception {
        URL classes = SerialRunner.class.getProtectionDomain().getCodeSource().getLocation();
        ChildFirst loader = new ChildFirst(new URL[] {classes},
                ThreadMarksKeepNoApplicationClassTests.class.getClassLoader());
        Class<?> runnerClass = loader.loadClass(SerialRunner.class.getName());
        assertThat(runnerClass).isNotSameAs(SerialRunner.class);
        Constructor<?> constructor = runnerClass.getDeclaredConstructor(Executor.class);
        constructor.setAccessible(true);
        Class<?> wakes = loader.loadClass(CallerFuture.Wakes.class.getName());
        Method collect = wakes.getDeclaredMethod("collect", Runnable.class);
        collect.setAccessible(true);
        server.submit(() -> {
            try {
                Executor runner = (Executor) constructor.newInstance((Executor) Runnable::run);
                Executor other = (Executor) constructor.newInstance((Executor) Runnable::run);
                runner.execute(() -> other.execute(() -> { }));
                collect.invoke(null, (Runnable) () -> { });
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            return null;
        }).get(10, TimeUnit.SECONDS);
        return new WeakReference<>(loader);
    }
}
