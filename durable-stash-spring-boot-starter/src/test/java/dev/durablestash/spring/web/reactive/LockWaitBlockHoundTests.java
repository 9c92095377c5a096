package dev.durablestash.spring.web.reactive;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import reactor.blockhound.BlockingOperationError;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link StrictBlockHound} lets a non-blocking thread wait for. A contended {@link ReentrantLock}
 * is waited for, as a {@code synchronized} block is (BlockHound does not check monitors): BlockHound
 * would otherwise throw from inside the lock's queue, after the thread had joined it, and leave the
 * lock unable to wake the threads queued behind it. That happens to the timer queues of the JDK's
 * {@code ScheduledThreadPoolExecutor} (the engine's deadlines, Reactor's {@code parallel} scheduler)
 * when a task is cancelled on an event loop while the timer's thread holds the queue's lock; the
 * timer's thread then waits forever, and with it every request whose next step is scheduled there.
 * Any other wait (a latch, a future, a sleep) still fails the check.
 */
class LockWaitBlockHoundTests {

    private Scheduler nonBlocking;

    @BeforeAll
    static void installBlockHound() {
        StrictBlockHound.install();
    }

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
    }

    /** Returns once {@code thread} waits in the lock's queue (parked), or {@code attempt} ended. */
    private static void awaitQueued(ReentrantLock lock, Thread thread, CompletableFuture<Void> attempt)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!attempt.isDone() && !(lock.hasQueuedThread(thread) && thread.getState() == Thread.State.WAITING)) {
            assertThat(System.nanoTime()).as("%s neither waits for the lock nor gave up", thread).isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    @Test
    void aNonBlockingThreadThatWaitsForALatchStillFailsTheCheck() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        nonBlocking.schedule(() -> {
            try {
                never.await(10, TimeUnit.SECONDS);
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        assertThat(outcome.get(20, TimeUnit.SECONDS)).isInstanceOf(BlockingOperationError.class);
    }
}
