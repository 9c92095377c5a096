package dev.durablestash.spring.web.reactive;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

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
        CompletableFuture<Thread> running = new CompletableFuture<>();
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
            nonBlocking.schedule(() -> {
                running.complete(Thread.currentThread());
                try {
                    lock.lock();
                    lock.unlock();
                    waiterAcquired.complete(null);
                } catch (Throwable e) {
                    waiterAcquired.completeExceptionally(e);
                }
            });
            Thread waiter = running.get(10, TimeUnit.SECONDS);
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

    /** Returns once {@code thread} waits in the lock's queue (parked), or {@code attempt} ended. */
    private static void awaitQueued(ReentrantLock lock, Thread thread, CompletableFuture<?> attempt)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!attempt.isDone() && !(lock.hasQueuedThread(thread) && thread.getState() == Thread.State.WAITING)) {
            assertThat(System.nanoTime()).as("%s neither waits for the lock nor gave up", thread).isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    /**
     * A thread woken from the lock's queue that finds the lock taken again (another thread barged in)
     * spins once ({@code Thread.onSpinWait}, which BlockHound counts as blocking) and parks again. The
     * holder takes the lock back right after it wakes the waiter; when the waiter is quicker (a cold JIT),
     * that attempt misses the case and the next one tries again.
     */
    @Test
    void aNonBlockingThreadWokenWhileTheLockIsTakenAgainWaitsOn() throws Exception {
        int attempts = 0;
        while (!wokenWhileTakenAgain()) {
            attempts++;
            assertThat(attempts).as("attempts in which the waiter got the lock before it was taken again").isLessThan(50);
        }
    }

    /**
     * @return {@code true} when the waiter woke while the lock was taken again and then got it; {@code false}
     *     when it got the lock before it was taken again
     */
    private boolean wokenWhileTakenAgain() throws Exception {
        ReentrantLock lock = new ReentrantLock();
        AtomicBoolean takenAgain = new AtomicBoolean(); // set and read under the lock
        CompletableFuture<Thread> running = new CompletableFuture<>();
        CompletableFuture<Boolean> waiterAcquired = new CompletableFuture<>(); // after the lock was taken again?
        lock.lock();
        try {
            nonBlocking.schedule(() -> {
                running.complete(Thread.currentThread());
                try {
                    lock.lock();
                    boolean after = takenAgain.get();
                    lock.unlock();
                    waiterAcquired.complete(after);
                } catch (Throwable e) {
                    waiterAcquired.completeExceptionally(e);
                }
            });
            Thread waiter = running.get(10, TimeUnit.SECONDS);
            awaitQueued(lock, waiter, waiterAcquired);
            long parks = THREADS.getThreadInfo(waiter.getId()).getWaitedCount();
            lock.unlock(); // wakes the waiter...
            lock.lock(); // ...and takes the lock again, before the waiter gets it unless it is quicker
            takenAgain.set(true);
            // Unless the waiter was quicker: until it woke, failed to get the lock and parked again, or gave up.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!waiterAcquired.isDone() && !(THREADS.getThreadInfo(waiter.getId()).getWaitedCount() > parks
                    && waiter.getState() == Thread.State.WAITING)) {
                assertThat(System.nanoTime()).as("the waiter neither parked again nor got the lock").isLessThan(deadline);
                Thread.sleep(1);
            }
            assertThat(!waiterAcquired.isDone() || waiterAcquired.join() == Boolean.FALSE)
                    .as("the waiter gave up after its wake-up: %s", waiterAcquired).isTrue();
        } finally {
            lock.unlock();
        }
        return waiterAcquired.get(10, TimeUnit.SECONDS);
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
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!wait.isDone() && thread.getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime()).as("%s neither waits nor gave up", thread).isLessThan(deadline);
            Thread.sleep(1);
        }
    }
}
