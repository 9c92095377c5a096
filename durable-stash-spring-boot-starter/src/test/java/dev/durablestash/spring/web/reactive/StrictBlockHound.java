package dev.durablestash.spring.web.reactive;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

/**
 * BlockHound as the event-loop tests install it ({@code @ExtendWith(StrictBlockHound.class)}): installed
 * before the test class. A blocking call on a non-blocking thread (Netty's event loops, Reactor's
 * {@code parallel}) throws a {@link BlockingOperationError}, with two exceptions:
 * <ul>
 * <li>A thread <em>waiting</em> (a park, or the spin a lock's or latch's queue makes between parks: a
 * latch, a future, a condition, a semaphore) is not thrown out of its wait but let wait, and the wait is
 * recorded; the test fails on it when it ends. Throwing from there breaks what the thread waits for: it
 * has joined the queue of the lock or latch, and leaving by an error strands its place, so the threads
 * queued behind it are never woken ({@link LockWaitBlockHoundTests}). A test would then hang somewhere
 * else instead of failing where the wait is.</li>
 * <li>Allowed outright: reading {@code /dev/urandom} (a new sid's random bytes, read by SecureRandom),
 * which never blocks, and waiting for a contended {@code ReentrantLock} (or a read-write lock's lock),
 * as BlockHound lets a thread wait for a {@code synchronized} block (it does not check monitors). The
 * engine takes such a lock on the calling thread to cancel a deadline (the JDK timer's queue) or to hand
 * work to a pool (its queue, and the pool's own lock when it starts a worker), each held by another
 * thread only while it changes the queue or the pool. A lock held across I/O by another thread would go
 * unnoticed; none of the starter's is taken on a non-blocking thread.</li>
 * </ul>
 * The waits are recorded JVM-wide: a test fails on those recorded while it ran (after it), and on any
 * recorded before it began (left by an earlier test or class, or by an application context starting or
 * stopping), and the class fails on those recorded after its last test. A wait recorded after the last
 * class of the JVM ended fails nothing. Installing it twice in one JVM is harmless.
 */
public final class StrictBlockHound implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
        AfterAllCallback {

    /** The lock methods whose wait is allowed: the first frame below the lock's queue (AQS) and the park. */
    private static final Set<String> LOCK_ACQUISITIONS = Set.of(
            "java.util.concurrent.locks.ReentrantLock$Sync#lock",
            "java.util.concurrent.locks.ReentrantLock$Sync#lockInterruptibly",
            "java.util.concurrent.locks.ReentrantReadWriteLock$ReadLock#lock",
            "java.util.concurrent.locks.ReentrantReadWriteLock$WriteLock#lock");
    /** A wait: a park, or the spin between a wake-up and the next attempt (AQS spins there). */
    private static final Set<String> WAITS = Set.of("jdk.internal.misc.Unsafe#park", "java.lang.Thread#onSpinWait");

    private static final List<String> waits = new ArrayList<>();

    /** For {@code @ExtendWith}. */
    public StrictBlockHound() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        install();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        failOnWaits("before this test began (left by an earlier test, or by an application context starting or stopping)");
    }

    @Override
    public void afterEach(ExtensionContext context) {
        failOnWaits("while this test ran");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        failOnWaits("after this class's last test");
    }

    private static void failOnWaits(String when) {
        List<String> recorded = takeWaits();
        if (!recorded.isEmpty()) {
            throw new AssertionError("a non-blocking thread waited " + when + " (" + recorded.size() + "):\n"
                    + String.join("\n", recorded));
        }
    }

    /** Installs it for the rest of this JVM. */
    static void install() {
        BlockHound.install(builder -> builder
                .allowBlockingCallsInside("sun.security.provider.NativePRNG$RandomIO", "implNextBytes")
                .blockingMethodCallback(method -> {
                    if (!WAITS.contains(method.getClassName().replace('/', '.') + '#' + method.getName())) {
                        throw new BlockingOperationError(method);
                    }
                    if (!waitsForALock()) {
                        record(new BlockingOperationError(method));
                    }
                }));
    }

    /**
     * @return the waits of non-blocking threads recorded since the last call, each as the thread's name
     *     and stack; empty when there were none
     */
    static synchronized List<String> takeWaits() {
        List<String> taken = List.copyOf(waits);
        waits.clear();
        return taken;
    }

    private static synchronized void record(BlockingOperationError wait) {
        StringBuilder text = new StringBuilder(wait.getMessage()).append(" on ").append(Thread.currentThread().getName());
        for (StackTraceElement frame : wait.getStackTrace()) {
            text.append("\n    at ").append(frame);
        }
        waits.add(text.toString());
    }

    /** @return whether this thread waits (parks or spins) to acquire one of {@link #LOCK_ACQUISITIONS} */
    private static boolean waitsForALock() {
        return StackWalker.getInstance().walk(frames -> frames
                .map(frame -> frame.getClassName() + '#' + frame.getMethodName())
                .filter(frame -> !frame.startsWith(StrictBlockHound.class.getName())
                        && !frame.startsWith("reactor.blockhound.")
                        && !frame.startsWith("jdk.internal.misc.Unsafe#")
                        && !frame.startsWith("java.lang.Thread#onSpinWait")
                        && !frame.startsWith("java.util.concurrent.locks.LockSupport#")
                        && !frame.startsWith("java.util.concurrent.locks.AbstractQueuedSynchronizer#"))
                .findFirst()
                .map(LOCK_ACQUISITIONS::contains)
                .orElse(false));
    }
}
