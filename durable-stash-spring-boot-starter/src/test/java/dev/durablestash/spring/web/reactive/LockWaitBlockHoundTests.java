package dev.durablestash.spring.web.reactive;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import static dev.durablestash.testsupport.Stages.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What {@link StrictBlockHound} does when a non-blocking thread waits. BlockHound would throw from inside
 * the wait, after the thread had joined the queue of the lock or latch it waits for; leaving by an error
 * strands its place, so the threads queued behind it are never woken, and a test hangs somewhere else
 * instead of failing where the wait is. The engine cancels a deadline (the JDK timer's queue lock) or
 * hands work to a pool (its queue's lock) on the calling thread, also on an event loop: a contended lock
 * there must be waited for, as a {@code synchronized} block is. Any other wait is let wait and recorded,
 * so the test fails on it, and what it waited for still works.
 */
@ExtendWith(StrictBlockHound.class)
class LockWaitBlockHoundTests {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private Scheduler nonBlocking;

    @BeforeEach
    void startNonBlockingThread() {
        nonBlocking = Schedulers.newParallel("lock-wait-tests", 1);
    }

    @AfterEach
    void stopNonBlockingThread() {
        nonBlocking.dispose();
    }

    @Test
    void aNonBlockingThreadWaitsForALockAnotherThreadHoldsAndTheLockStillWakesThoseQueuedBehindIt() throws Exception {
        ReentrantLock lock = new ReentrantLock();
        CompletableFuture<Void> waiterAcquired = new CompletableFuture<>();
        CompletableFuture<Void> laterAcquired = new CompletableFuture<>();
        Thread later = new Thread(() -> {
            lock.lock();
            lock.unlock();
            laterAcquired.complete(null);
        }, "lock-wait-tests-later");
        later.setDaemon(true);
        lock.lock();
        try {
            Thread waiter = lockOnTheNonBlockingThread(lock, waiterAcquired);
            awaitQueued(lock, waiter, waiterAcquired); // or its attempt failed
            later.start();
            awaitQueued(lock, later, laterAcquired);
        } finally {
            lock.unlock();
        }
        assertThat(waiterAcquired).as("the non-blocking thread's wait").succeedsWithin(Duration.ofSeconds(10));
        assertThat(laterAcquired).as("the wait of a thread queued behind it").succeedsWithin(Duration.ofSeconds(10));
        assertThat(StrictBlockHound.takeWaits()).as("a lock's wait is allowed, not recorded").isEmpty();
    }

    /**
     * Takes and releases {@code lock} on the non-blocking thread.
     *
     * @param acquired completes when it did, or exceptionally with what its attempt threw
     * @return the non-blocking thread, once it began
     */
    private Thread lockOnTheNonBlockingThread(ReentrantLock lock, CompletableFuture<Void> acquired) throws Exception {
        CompletableFuture<Thread> running = new CompletableFuture<>();
        nonBlocking.schedule(() -> {
            running.complete(Thread.currentThread());
            try {
                lock.lock();
                lock.unlock();
                acquired.complete(null);
            } catch (Throwable e) {
                acquired.completeExceptionally(e);
            }
        });
        return running.get(10, TimeUnit.SECONDS);
    }

    /** Returns once {@code thread} waits in the lock's queue (parked), or {@code attempt} ended. */
    private static void awaitQueued(ReentrantLock lock, Thread thread, CompletableFuture<?> attempt)
            throws InterruptedException {
        awaitUntil(thread + " neither waits for the lock nor gave up", () -> attempt.isDone()
                || lock.hasQueuedThread(thread) && thread.getState() == Thread.State.WAITING);
    }

    /** Polls {@code reached} every millisecond; fails with {@code otherwise} if it is still false after 10 s. */
    /**
     * A thread woken in the lock's queue while the lock is still taken (as when another thread barges in
     * between the release that woke it and its attempt) spins once ({@code Thread.onSpinWait}, which
     * BlockHound counts as blocking) and parks again. BlockHound sees that spin only while the JDK's lock
     * code runs interpreted (compiled, the spin is an instruction), so a JVM that compiled it already
     * passes this case whatever the policy.
     */
    @Test
    void aNonBlockingThreadWokenWhileTheLockIsStillTakenWaitsOn() throws Exception {
        ReentrantLock lock = new ReentrantLock();
        CompletableFuture<Void> waiterAcquired = new CompletableFuture<>();
        lock.lock();
        try {
            Thread waiter = lockOnTheNonBlockingThread(lock, waiterAcquired);
            awaitQueued(lock, waiter, waiterAcquired);
            long parks = THREADS.getThreadInfo(waiter.getId()).getWaitedCount();
            LockSupport.unpark(waiter); // woken with the lock still taken: it fails, spins once and parks again
            awaitUntil("the waiter neither parked again nor gave up", () -> waiterAcquired.isDone()
                    || THREADS.getThreadInfo(waiter.getId()).getWaitedCount() > parks
                    && waiter.getState() == Thread.State.WAITING);
        } finally {
            lock.unlock();
        }
        assertThat(waiterAcquired).as("the waiter's wait, woken while the lock was taken")
                .succeedsWithin(Duration.ofSeconds(10));
    }

    @Test
    void aNonBlockingThreadThatWaitsForALatchIsRecordedAndTheLatchStillWakesEveryWaiter() throws Exception {
        CountDownLatch latch = new CountDownLatch(1);
        CompletableFuture<Thread> running = new CompletableFuture<>();
        CompletableFuture<Boolean> waiterWoken = new CompletableFuture<>();
        CompletableFuture<Boolean> otherWoken = new CompletableFuture<>();
        nonBlocking.schedule(() -> {
            running.complete(Thread.currentThread());
            try {
                waiterWoken.complete(latch.await(10, TimeUnit.SECONDS));
            } catch (Throwable e) {
                waiterWoken.completeExceptionally(e);
            }
        });
        awaitWaiting(running.get(10, TimeUnit.SECONDS), waiterWoken); // or its wait failed
        Thread other = new Thread(() -> {
            try {
                otherWoken.complete(latch.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                otherWoken.completeExceptionally(e);
            }
        }, "lock-wait-tests-other");
        other.setDaemon(true);
        other.start();
        awaitWaiting(other, otherWoken);
        latch.countDown();
        assertThat(waiterWoken).as("the non-blocking thread's wait").succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
        assertThat(otherWoken).as("the other thread's wait").succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
        // What each @ExtendWith(StrictBlockHound.class) test does when it ends: fail on the recorded wait.
        assertThatThrownBy(() -> new StrictBlockHound().afterEach(null)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("a non-blocking thread waited while this test ran")
                .hasMessageContaining("Unsafe#park on lock-wait-tests")
                .hasMessageContaining("CountDownLatch.await");
        assertThat(StrictBlockHound.takeWaits()).isEmpty();
    }

    /** Returns once {@code thread} waits with a timeout, or {@code wait} ended. */
    private static void awaitWaiting(Thread thread, CompletableFuture<?> wait) throws InterruptedException {
        awaitUntil(thread + " neither waits nor gave up",
                () -> wait.isDone() || thread.getState() == Thread.State.TIMED_WAITING);
    }
}
