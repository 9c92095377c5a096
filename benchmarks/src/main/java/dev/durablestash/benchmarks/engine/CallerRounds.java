package dev.durablestash.benchmarks.engine;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

import dev.durablestash.benchmarks.Latencies;
import dev.durablestash.benchmarks.ThreadTicks;

/** Rounds of caller threads, each calling an operation in a loop, for the engine benchmarks. */
final class CallerRounds {

    private CallerRounds() {
    }

    /** Thrown by an operation to end its thread's part of a round early. */
    static final class Done extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Done() {
            super(null, null, false, false);
        }
    }

    /**
     * What a round did: operations, seconds, per-operation latencies, and the CPU time the process's threads
     * used over it in clock ticks ({@link ThreadTicks}), by thread name and by thread group. The ticks are
     * read while the caller threads are still alive, so that theirs count (a thread that has ended takes
     * its ticks with it).
     */
    static final class Round {
        long operations;
        double seconds;
        final Latencies latencies = new Latencies();
        final Map<String, Long> ticksByName = new TreeMap<>();
        final Map<String, Long> ticksByGroup = new TreeMap<>();

        void add(Round other) {
            operations += other.operations;
            seconds += other.seconds;
            latencies.addAll(other.latencies);
            other.ticksByName.forEach((name, ticks) -> ticksByName.merge(name, ticks, Long::sum));
            other.ticksByGroup.forEach((group, ticks) -> ticksByGroup.merge(group, ticks, Long::sum));
        }
    }

    /**
     * Runs {@code operation} on {@code threads} threads, each in a loop, for {@code millis} from the moment
     * all of them are started. An operation that throws {@link Done} ends its thread's part. Each thread
     * waits, once its part is done, until the others' are and the process's clock ticks are read.
     *
     * @param operation called with the thread's index, 0 to {@code threads - 1}
     * @return what the round did
     * @throws RuntimeException the first failure of an operation (other than {@link Done}), after every
     *     thread has stopped: a round whose threads failed reports no figure
     */
    static Round run(int threads, long millis, IntConsumer operation) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(threads);
        CountDownLatch ticksRead = new CountDownLatch(1);
        Latencies[] latencies = new Latencies[threads];
        long[] counts = new long[threads];
        Thread[] workers = new Thread[threads];
        long[] window = new long[2];
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            latencies[t] = new Latencies();
            workers[t] = new Thread(() -> {
                try {
                    start.await();
                    long end = millis == Long.MAX_VALUE ? Long.MAX_VALUE : window[0] + millis * 1_000_000L;
                    while (System.nanoTime() < end) {
                        long begin = System.nanoTime();
                        operation.accept(thread);
                        latencies[thread].add(System.nanoTime() - begin);
                        counts[thread]++;
                    }
                } catch (Done done) {
                    // this thread's share is done
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                } finally {
                    finished.countDown();
                    awaitUninterruptibly(ticksRead);
                }
            }, "bench-caller-" + t);
            workers[t].start();
        }
        ThreadTicks ticksBefore = ThreadTicks.sampleThisProcess();
        window[0] = System.nanoTime();
        start.countDown();
        Round round = new Round();
        try {
            finished.await();
            round.seconds = (System.nanoTime() - window[0]) / 1e9;
            ThreadTicks ticksAfter = ThreadTicks.sampleThisProcess();
            round.ticksByName.putAll(ThreadTicks.byName(ticksBefore, ticksAfter));
            round.ticksByGroup.putAll(ThreadTicks.between(ticksBefore, ticksAfter));
        } finally {
            ticksRead.countDown();
            for (Thread worker : workers) {
                worker.join();
            }
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        for (int t = 0; t < threads; t++) {
            round.operations += counts[t];
            round.latencies.addAll(latencies[t]);
        }
        return round;
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
