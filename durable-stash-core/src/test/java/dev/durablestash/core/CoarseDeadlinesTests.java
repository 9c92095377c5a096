package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The timeouts of operations and storage calls are gathered in slots ({@link Deadlines#coarse}): a
 * deadline fires at the end of its slot, never early, and a slot stays set while its deadlines are
 * cancelled, so the next calls find it in place instead of waking the timer thread each.
 */
class CoarseDeadlinesTests {

    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    @Test
    void aSlotIsAThirtySecondOfTheDelayAtMostAbout67Milliseconds() {
        assertThat(Deadlines.slotNanos(Duration.ofSeconds(10).toNanos())).isEqualTo(1L << 26);
        assertThat(Deadlines.slotNanos(Duration.ofMillis(200).toNanos())).isEqualTo(1L << 22); // 4.2 of 6.25 ms
        assertThat(Deadlines.slotNanos(Duration.ofMillis(1).toNanos())).isEqualTo(1L << 14); // 16 of 31 µs
        assertThat(Deadlines.slotNanos(31)).isEqualTo(1);
        assertThat(Deadlines.slotNanos(0)).isEqualTo(1);
    }

    @Test
    void aDeadlineFiresAtTheEndOfItsSlotNeverBeforeItsDelay() throws Exception {
        try (Deadlines deadlines = new Deadlines(pool)) {
            Duration delay = Duration.ofMillis(150);
            long slot = Deadlines.slotNanos(delay.toNanos());
            CountDownLatch fired = new CountDownLatch(1);
            AtomicLong firedAt = new AtomicLong();
            long set = System.nanoTime();
            deadlines.coarse(delay, () -> {
                firedAt.set(System.nanoTime());
                fired.countDown();
            });
            assertThat(fired.await(5, TimeUnit.SECONDS)).isTrue();
            long after = firedAt.get() - set;
            assertThat(after).as("fired after (ns)").isGreaterThanOrEqualTo(delay.toNanos());
            // Late by the slot at most, plus what a loaded machine adds to waking the timer.
            assertThat(after).isLessThan(delay.toNanos() + slot + TimeUnit.MILLISECONDS.toNanos(500));
            assertThat(deadlines.slotsPending()).as("the slot, once ended").isZero();
        }
    }

    @Test
    void aSlotStaysSetWhileItsDeadlinesAreSetAndCancelledOneAfterAnotherAndTheCancelledNeverFire()
            throws Exception {
        try (Deadlines deadlines = new Deadlines(pool)) {
            AtomicInteger fired = new AtomicInteger();
            Duration delay = Duration.ofSeconds(2); // slots of 67 ms: 1,000 calls fit in one or two
            long start = System.nanoTime();
            for (int i = 0; i < 1_000; i++) {
                deadlines.coarse(delay, fired::incrementAndGet).cancel();
            }
            long took = System.nanoTime() - start;
            if (took < Deadlines.MAX_SLOT_NANOS) {
                assertThat(deadlines.slotsPending()).as("slots for 1,000 calls in %d µs", took / 1000).isBetween(1, 2);
            }
            CountDownLatch last = new CountDownLatch(1);
            deadlines.coarse(Duration.ofMillis(1), last::countDown); // a later one fires in its own slot
            assertThat(last.await(5, TimeUnit.SECONDS)).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (deadlines.slotsPending() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(deadlines.slotsPending()).as("slots once their ends passed").isZero();
            assertThat(fired).as("cancelled deadlines that fired").hasValue(0);
        }
    }

    @Test
    void deadlinesOfOneSlotFireInTheOrderTheyWereSetTheCancelledLeftOut() throws Exception {
        try (Deadlines deadlines = new Deadlines(Runnable::run)) {
            ConcurrentLinkedQueue<Integer> order = new ConcurrentLinkedQueue<>();
            CountDownLatch done = new CountDownLatch(3);
            List<Deadlines.Deadline> set = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int n = i;
                set.add(deadlines.coarse(Duration.ofSeconds(1), () -> {
                    order.add(n);
                    done.countDown();
                }));
            }
            set.get(1).cancel();
            set.get(3).cancel();
            set.get(3).cancel(); // twice: nothing more
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(50);
            // set within microseconds: one slot, or two when they straddle a slot's end
            assertThat(order).containsExactly(0, 2, 4);
            set.get(0).cancel(); // after it fired: nothing
        }
    }

    /** Without dropping the slots left empty at close, the timer thread would live on until their ends. */
    @Test
    void onceClosedAnEmptySlotIsDroppedAtOnceAndASetDeadlineStillFires() throws Exception {
        List<Thread> before = timerThreads();
        Deadlines deadlines = new Deadlines(pool);
        deadlines.coarse(Duration.ofSeconds(30), () -> { }).cancel();
        CountDownLatch inFlight = new CountDownLatch(1);
        Deadlines.Deadline held = deadlines.coarse(Duration.ofMillis(300), inFlight::countDown);
        Deadlines.Deadline cancelledAfterClose = deadlines.coarse(Duration.ofSeconds(20), () -> { });
        List<Thread> ours = timerThreads().stream().filter(thread -> !before.contains(thread)).toList();
        assertThat(ours).hasSize(1);
        deadlines.close();
        assertThat(deadlines.slotsPending()).as("the 30-s slot dropped, two left").isEqualTo(2);
        cancelledAfterClose.cancel();
        assertThat(deadlines.slotsPending()).as("the 20-s slot dropped once empty").isEqualTo(1);
        assertThat(inFlight.await(5, TimeUnit.SECONDS)).as("the deadline in flight at close fired").isTrue();
        ours.get(0).join(2_000);
        assertThat(ours.get(0).isAlive()).as("the timer thread 2 s after the last deadline fired").isFalse();
        CountDownLatch afterClose = new CountDownLatch(1);
        deadlines.coarse(Duration.ofMillis(50), afterClose::countDown);
        assertThat(afterClose.await(5, TimeUnit.SECONDS)).as("a deadline set after close fires").isTrue();
        assertThat(held).isNotNull();
    }

    /**
     * Threads set deadlines of 0 to 2 ms (slots of 1 ns to 32 µs, so slots end while others join them)
     * and cancel about half at once. Against the model: every deadline not cancelled fires exactly
     * once, never before its delay; a cancelled one at most once (its slot may end before the cancel);
     * every slot ends. (A slot is joined and ended under the map's lock, so that no deadline joins a slot
     * whose tasks were taken: a model check, not a forced interleaving.)
     */
    @Test
    void racingThreadsEachDeadlineFiresOnceNeverEarlyAndEverySlotEnds() throws Exception {
        int threads = 4;
        int perThread = 20_000;
        AtomicReferenceArray<long[]> fired = new AtomicReferenceArray<>(threads * perThread);
        long[] setAt = new long[threads * perThread];
        long[] delays = new long[threads * perThread];
        boolean[] cancelled = new boolean[threads * perThread];
        AtomicInteger firings = new AtomicInteger();
        AtomicInteger twice = new AtomicInteger();
        try (Deadlines deadlines = new Deadlines(pool)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> setters = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * perThread;
                Thread setter = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = base; i < base + perThread; i++) {
                        int n = i;
                        long delay = random.nextInt(4) == 0 ? 0 : random.nextLong(2_000_000);
                        delays[n] = delay;
                        setAt[n] = System.nanoTime();
                        Deadlines.Deadline deadline = deadlines.coarse(Duration.ofNanos(delay), () -> {
                            if (!fired.compareAndSet(n, null, new long[] {System.nanoTime()})) {
                                twice.incrementAndGet();
                            }
                            firings.incrementAndGet();
                        });
                        if (random.nextBoolean()) {
                            cancelled[n] = true;
                            deadline.cancel();
                        }
                    }
                });
                setters.add(setter);
                setter.start();
            }
            start.countDown();
            for (Thread setter : setters) {
                setter.join();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (deadlines.slotsPending() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(deadlines.slotsPending()).as("slots left").isZero();
            Thread.sleep(100); // the pool runs the last hand-offs
            assertThat(twice).as("deadlines fired twice").hasValue(0);
            for (int n = 0; n < setAt.length; n++) {
                long[] at = fired.get(n);
                if (!cancelled[n]) {
                    assertThat(at).as("deadline %d (not cancelled) fired", n).isNotNull();
                }
                if (at != null) {
                    assertThat(at[0] - setAt[n]).as("deadline %d fired after (ns)", n).isGreaterThanOrEqualTo(delays[n]);
                }
            }
        }
    }

    private static List<Thread> timerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("durable-stash-deadlines")).toList();
    }
}
