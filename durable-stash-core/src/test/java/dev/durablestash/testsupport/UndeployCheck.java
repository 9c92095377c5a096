package dev.durablestash.testsupport;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a servlet container checks when it stops an application: that no thread outlives the application
 * holding the application's class loader as its context class loader (a container's threads, and the JDK's
 * own, outlive it, and such a thread keeps every class and static of the application). The work runs on a
 * thread whose context class loader is a throw-away "application" loader, as the startup and request threads
 * of an application in a container have; once it returned, having closed everything it built, every live
 * thread must have let go of that loader within {@link #GRACE_MILLIS}. Run it in a {@link FreshJvm}.
 */
public final class UndeployCheck {

    /** How long threads that end when idle may take to end. */
    public static final long GRACE_MILLIS = 5_000;

    /** Work of the application; it closes what it builds before it returns. */
    public interface Work {
        void run() throws Exception;
    }

    private UndeployCheck() {
    }

    /**
     * Runs {@code scenario}'s {@code main}, which calls {@link #exitAfter}, in a {@link FreshJvm}.
     *
     * @return what the JVM left
     * @throws AssertionError with the JVM's output unless it exited 0
     */
    public static FreshJvm.Result assertNoThreadKeepsTheLoader(Class<?> scenario) throws Exception {
        FreshJvm.Result result = FreshJvm.run(scenario);
        if (result.exitCode() != 0) {
            throw new AssertionError("exit code " + result.exitCode() + ": " + result.output());
        }
        return result;
    }

    /**
     * Runs the work and exits the JVM: 0 when no thread kept the loader, 1 when one did (its name printed),
     * 2 when the work failed.
     */
    public static void exitAfter(Work work) throws Exception {
        URLClassLoader application = new URLClassLoader(new URL[0], UndeployCheck.class.getClassLoader());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread startup = new Thread(() -> {
            try {
                work.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "the application's startup");
        startup.setContextClassLoader(application);
        startup.start();
        startup.join();
        if (failure.get() != null) {
            failure.get().printStackTrace(System.out);
            System.exit(2);
        }
        long end = System.currentTimeMillis() + GRACE_MILLIS;
        List<String> keeping = keeping(application);
        while (!keeping.isEmpty() && System.currentTimeMillis() < end) {
            Thread.sleep(50);
            keeping = keeping(application);
        }
        System.out.println("threads keeping the application's loader: " + keeping);
        System.exit(keeping.isEmpty() ? 0 : 1);
    }

    private static List<String> keeping(ClassLoader application) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getContextClassLoader() == application)
                .map(Thread::getName).sorted().toList();
    }
}
