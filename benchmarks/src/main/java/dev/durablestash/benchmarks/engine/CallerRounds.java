package dev.durablestash.benchmarks.engine;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

import dev.durablestash.benchmarks.Latencies;
import dev.durablestash.benchmarks.ThreadTicks;

/** Rounds of caller threads, each calling an operation in a loop, for the engine benchmarks. */
final class CallerRounds {

    /** The name of the callers in {@link Round#cpuNanosByName} (each caller thread is {@code bench-caller-INDEX}). */
    static final String CALLERS = "bench-caller-N";

    private static final String CALLER_PREFIX = "bench-caller-";
    private static final long NANOS_PER_TICK = 10_000_000L;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

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
     * used over it in nanoseconds, by thread name (each run of digits made {@code N}) and by thread group
     * ({@link ThreadTicks}'s groups, without their system-time parts). The callers' CPU time ({@link #CALLERS},
     * group {@code other}) is exact: each caller reads its own CPU clock when its part starts and ends. The other
     * threads' comes from their clock ticks in {@code /proc} ({@link ThreadTicks}, 10 ms each; those threads
     * outlive the round, so each is off by less than a tick at each end, either way). Empty off Linux, but for
     * the callers' part. What the callers' threads used to start, to wait for the round and to end is left
     * out (well under a millisecond each).
     */
    static final class Round {
        long operations;
        double seconds;
        final Latencies latencies = new Latencies();
        final Map<String, Long> cpuNanosByName = new TreeMap<>();
        final Map<String, Long> cpuNanosByGroup = new TreeMap<>();

        void add(Round other) {
            operations += other.operations;
            seconds += other.seconds;
            latencies.addAll(other.latencies);
            other.cpuNanosByName.forEach((name, nanos) -> cpuNanosByName.merge(name, nanos, Long::sum));
            other.cpuNanosByGroup.forEach((group, nanos) -> cpuNanosByGroup.merge(group, nanos, Long::sum));
        }
    }

    /**
     * Runs {@code operation} on {@code threads} threads, each in a loop, for {@code millis} from the moment
     * all of them are started ({@link Long#MAX_VALUE}: until each thread's operation throws {@link Done}). An
     * operation that throws {@link Done} ends its thread's part; one that throws anything else ends the
     * round: the other threads are interrupted and stop after their current call.
     *
     * @param operation called with the thread's index, 0 to {@code threads - 1}
     * @return what the round did
     * @throws RuntimeException the first failure of an operation (other than {@link Done}), after every
     *     thread has stopped: a round whose threads failed reports no figure
     * @throws Error the same, when the first failure was an error
     * @throws InterruptedException when the calling thread was interrupted while it waited for the callers
     *     (they are interrupted too, and stop after their current call)
     */
    static Round run(int threads, long millis, IntConsumer operation) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        Latencies[] latencies = new Latencies[threads];
        long[] counts = new long[threads];
        long[] cpuNanos = new long[threads];
        Thread[] workers = new Thread[threads];
        long[] window = new long[1];
        long limitNanos = millis >= Long.MAX_VALUE / 1_000_000L ? Long.MAX_VALUE : millis * 1_000_000L;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int started = 0;
        try {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                latencies[t] = new Latencies();
                workers[t] = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    long cpuAtStart = THREADS.getCurrentThreadCpuTime();
                    try {
                        while (System.nanoTime() - window[0] < limitNanos && failure.get() == null
                                && !Thread.currentThread().isInterrupted()) {
                            long begin = System.nanoTime();
                            operation.accept(thread);
                            latencies[thread].add(System.nanoTime() - begin);
                            counts[thread]++;
                        }
                    } catch (Done done) {
                        // this thread's share is done
                    } catch (RuntimeException | Error e) {
                        if (failure.compareAndSet(null, e)) {
                            interruptOthers(workers);
                        }
                    } finally {
                        cpuNanos[thread] = THREADS.getCurrentThreadCpuTime() - cpuAtStart;
                    }
                }, CALLER_PREFIX + t);
                workers[t].start();
                started++;
            }
        } catch (RuntimeException | Error e) {
            failure.compareAndSet(null, e); // a thread could not be started: those that were stop at once
        }
        ThreadTicks ticksBefore = ThreadTicks.sampleThisProcess();
        window[0] = System.nanoTime();
        start.countDown();
        try {
            for (int t = 0; t < started; t++) {
                workers[t].join();
            }
        } catch (InterruptedException e) {
            failure.compareAndSet(null, e); // stops callers whose operation swallows the interrupt
            interruptOthers(workers);
            throw e;
        }
        Round round = new Round();
        round.seconds = (System.nanoTime() - window[0]) / 1e9;
        Throwable failed = failure.get();
        if (failed instanceof Error error) {
            throw error;
        }
        if (failed != null) {
            throw (RuntimeException) failed;
        }
        // The callers have ended; one that has not quite left /proc yet is left out of the ticks.
        ThreadTicks ticksAfter = ThreadTicks.sampleThisProcess().excludingNames(CALLER_PREFIX);
        ThreadTicks.byName(ticksBefore, ticksAfter)
                .forEach((name, ticks) -> round.cpuNanosByName.put(name, ticks * NANOS_PER_TICK));
        ThreadTicks.between(ticksBefore, ticksAfter).forEach((group, ticks) -> {
            if (!group.endsWith("-sys")) {
                round.cpuNanosByGroup.put(group, ticks * NANOS_PER_TICK);
            }
        });
        long callersNanos = 0;
        for (int t = 0; t < threads; t++) {
            round.operations += counts[t];
            round.latencies.addAll(latencies[t]);
            callersNanos += cpuNanos[t];
        }
        if (threads > 0) {
            round.cpuNanosByName.put(CALLERS, callersNanos);
            round.cpuNanosByGroup.merge("other", callersNanos, Long::sum);
        }
        return round;
    }

    /** Interrupts the round's threads that have been created, but the calling one. */
    private static void interruptOthers(Thread[] workers) {
        for (Thread worker : workers) {
            if (worker != null && worker != Thread.currentThread()) {
                worker.interrupt();
            }
        }
    }
}
