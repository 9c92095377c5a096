package dev.durablestash.spring.web.reactive;

import java.util.Set;

import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

/**
 * BlockHound as the event-loop tests install it: every blocking call on a non-blocking thread throws,
 * except two waits that are no I/O and end as soon as another thread's short step does:
 * <ul>
 * <li>reading {@code /dev/urandom} (a new sid's random bytes, read by SecureRandom), which never blocks;</li>
 * <li>waiting for a contended {@code ReentrantLock} (or a read-write lock's lock), as BlockHound lets a
 * thread wait for a {@code synchronized} block (it does not check monitors). The JDK's and Reactor's
 * timer queues take one to add or cancel a task. Throwing there would also break the lock: the thread
 * has joined the lock's queue when it parks, and leaving by an error strands its place, so the threads
 * queued behind it are never woken ({@link LockWaitBlockHoundTests}). A test then hangs instead of
 * failing: a timer thread waits forever, and every request whose next step it would run.</li>
 * </ul>
 * Installing it twice in one JVM is harmless.
 */
public final class StrictBlockHound {

    /** The lock methods whose wait is allowed: the first frame below the lock's queue (AQS) and the park. */
    private static final Set<String> LOCK_ACQUISITIONS = Set.of(
            "java.util.concurrent.locks.ReentrantLock$Sync#lock",
            "java.util.concurrent.locks.ReentrantLock$Sync#lockInterruptibly",
            "java.util.concurrent.locks.ReentrantReadWriteLock$ReadLock#lock",
            "java.util.concurrent.locks.ReentrantReadWriteLock$WriteLock#lock");

    private StrictBlockHound() {
    }

    /** Installs it for the rest of this JVM. */
    public static void install() {
        BlockHound.install(builder -> builder
                .allowBlockingCallsInside("sun.security.provider.NativePRNG$RandomIO", "implNextBytes")
                .blockingMethodCallback(method -> {
                    if (!waitsForALock()) {
                        throw new BlockingOperationError(method);
                    }
                }));
    }

    /** @return whether this thread is parking to acquire one of {@link #LOCK_ACQUISITIONS} */
    private static boolean waitsForALock() {
        return StackWalker.getInstance().walk(frames -> frames
                .map(frame -> frame.getClassName() + '#' + frame.getMethodName())
                .filter(frame -> !frame.startsWith(StrictBlockHound.class.getName())
                        && !frame.startsWith("reactor.blockhound.")
                        && !frame.startsWith("jdk.internal.misc.Unsafe#")
                        && !frame.startsWith("java.util.concurrent.locks.LockSupport#")
                        && !frame.startsWith("java.util.concurrent.locks.AbstractQueuedSynchronizer#"))
                .findFirst()
                .map(LOCK_ACQUISITIONS::contains)
                .orElse(false));
    }
}
