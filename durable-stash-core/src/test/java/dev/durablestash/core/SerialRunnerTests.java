package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.RejectedExecutionException;

import ch.qos.logback.classic.Level;

import dev.durablestash.testsupport.ExpectedLogs;

/** Where a {@link SerialRunner}'s tasks run: inline when idle, never nested, never two at once. */
class SerialRunnerTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.of(SerialRunner.class);

    /** An executor that refuses every task, as a pool that was shut down. */
    static final Executor REFUSING = (command) -> {
        throw new RejectedExecutionException("pool shut down");
    };

    /** An executor that only collects what it is given, so tests decide when (and whether) it runs. */
    static final class CollectingExecutor implements Executor {
        final ConcurrentLinkedQueue<Runnable> handedOff = new ConcurrentLinkedQueue<>();

        @Override
        public void execute(Runnable command) {
            handedOff.add(command);
        }

        void runAll() {
            Runnable next;
            while ((next = handedOff.poll()) != null) {
                next.run();
            }
        }
    }

    @Test
    void aTaskQueuedOnAnIdleRunnerRunsOnTheCallersThreadBeforeExecuteReturns() {
        CollectingExecutor executor = new CollectingExecutor();
        SerialRunner runner = new SerialRunner(executor);
        AtomicReference<Thread> ranOn = new AtomicReference<>();

        runner.execute(() -> ranOn.set(Thread.currentThread()));

        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
        assertThat(executor.handedOff).isEmpty();
    }

    @Test
    void aTaskQueuedByATaskOfTheSameRunnerRunsAfterItInTheSameLoopNotInsideIt() {
        CollectingExecutor executor = new CollectingExecutor();
        SerialRunner runner = new SerialRunner(executor);
        List<String> events = new ArrayList<>();

        runner.execute(() -> {
            events.add("first starts");
            runner.execute(() -> events.add("second"));
            events.add("first ends");
        });

        assertThat(events).containsExactly("first starts", "first ends", "second");
        assertThat(executor.handedOff).isEmpty();
    }

    @Test
    void aThreadDrainingOneRunnerHandsAnotherRunnersDrainToTheExecutor() {
        CollectingExecutor executor = new CollectingExecutor();
        SerialRunner first = new SerialRunner(executor);
        SerialRunner second = new SerialRunner(executor);
        List<String> events = new ArrayList<>();

        first.execute(() -> {
            second.execute(() -> events.add("second's task"));
            events.add("first's task ends");
        });

        assertThat(events).containsExactly("first's task ends");
        assertThat(executor.handedOff).hasSize(1);
        executor.runAll();
        assertThat(events).containsExactly("first's task ends", "second's task");
    }

    /** Each task queues work on the next runner: inline, that would be a call 20,000 levels deep. */
    @Test
    void aLongChainOfRunnersQueuingWorkOnEachOtherNeverDeepensTheStack() {
        CollectingExecutor executor = new CollectingExecutor();
        int length = 20_000;
        List<SerialRunner> runners = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            runners.add(new SerialRunner(executor));
        }
        AtomicInteger reached = new AtomicInteger();
        AtomicInteger deepest = new AtomicInteger();
        int base = Thread.currentThread().getStackTrace().length;
        runChain(runners, 0, reached, deepest, base);
        executor.runAll();

        assertThat(reached.get()).isEqualTo(length);
        assertThat(deepest.get()).isLessThan(100);
    }

    private static void runChain(List<SerialRunner> runners, int index, AtomicInteger reached, AtomicInteger deepest,
            int base) {
        runners.get(index).execute(() -> {
            if (reached.incrementAndGet() % 100 == 1) {
                deepest.accumulateAndGet(Thread.currentThread().getStackTrace().length - base, Math::max);
            }
            if (index + 1 < runners.size()) {
                runChain(runners, index + 1, reached, deepest, base);
            }
        });
    }

    @Test
    void aRunnerDrainedInlineYieldsToTheExecutorAfterABatchOfTasks() throws Exception {
        CollectingExecutor executor = new CollectingExecutor();
        SerialRunner runner = new SerialRunner(executor);
        AtomicInteger ran = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch queued = new CountDownLatch(1);
        Thread caller = new Thread(() -> runner.execute(() -> {
            started.countDown();
            await(queued);
            ran.incrementAndGet();
        }));
        caller.start();
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 1000; i++) {
            runner.execute(ran::incrementAndGet); // the runner is busy on the caller: these only queue
        }
        queued.countDown();
        caller.join(30_000);

        assertThat(ran.get()).isLessThan(1001); // the caller ran one batch, not all 1,001 tasks
        assertThat(executor.handedOff).hasSize(1);
        executor.runAll();
        assertThat(ran.get()).isEqualTo(1001);
    }

    @Test
    void tasksQueuedFromSeveralThreadsNeverRunAtTheSameTimeAndAllRun() throws Exception {
        Executor executor = command -> new Thread(command).start();
        SerialRunner runner = new SerialRunner(executor);
        AtomicBoolean running = new AtomicBoolean();
        AtomicBoolean overlapped = new AtomicBoolean();
        AtomicInteger ran = new AtomicInteger();
        int threads = 4;
        int perThread = 20_000;
        CountDownLatch done = new CountDownLatch(threads * perThread);
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            callers.add(new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    runner.execute(() -> {
                        if (!running.compareAndSet(false, true)) {
                            overlapped.set(true);
                        }
                        ran.incrementAndGet();
                        running.set(false);
                        done.countDown();
                    });
                }
            }));
        }
        callers.forEach(Thread::start);

        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(overlapped.get()).isFalse();
        assertThat(ran.get()).isEqualTo(threads * perThread);
    }

    /**
     * The queue against a sequential model: on one thread, every task runs once, in the order the
     * {@code execute} calls were made (a FIFO queue), whether it was queued from outside or by a task
     * of the runner, before or after a drain yielded to the executor after a batch.
     */
    @Test
    void onOneThreadTasksRunInTheOrderTheyWereQueued() {
        java.util.Random random = new java.util.Random(7);
        for (int round = 0; round < 50; round++) {
            CollectingExecutor executor = new CollectingExecutor();
            SerialRunner runner = new SerialRunner(executor);
            List<Integer> queued = new ArrayList<>();
            List<Integer> ran = new ArrayList<>();
            int roots = random.nextInt(600);
            for (int i = 0; i < roots; i++) {
                queueRandomTree(runner, random, queued, ran, 3);
                if (random.nextInt(20) == 0) {
                    executor.runAll();
                }
            }
            executor.runAll();
            assertThat(ran).isEqualTo(queued);
        }
    }

    private static void queueRandomTree(SerialRunner runner, java.util.Random random, List<Integer> queued,
            List<Integer> ran, int depth) {
        int id = queued.size();
        queued.add(id);
        runner.execute(() -> {
            ran.add(id);
            int children = depth == 0 ? 0 : random.nextInt(4);
            for (int c = 0; c < children; c++) {
                queueRandomTree(runner, random, queued, ran, depth - 1);
            }
        });
    }

    /**
     * The queue against a sequential model, from many threads: producers, tasks of the runner that
     * queue more, tasks of other runners (whose drains hand this one's to the pool), tasks that throw.
     * Every task runs exactly once, never two at once, and the tasks each queuer queued run in the
     * order it queued them. The run log is a plain list: only the runner's ordering publishes it.
     */
    @Test
    void tasksQueuedFromManyThreadsRunOnceEachInTheOrderEachQueuerQueuedThem() throws Exception {
        logs.allow(Level.ERROR, "session actor task failed unexpectedly");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            SerialRunner runner = new SerialRunner(pool);
            SerialRunner[] others = {new SerialRunner(pool), new SerialRunner(pool)};
            AtomicInteger ids = new AtomicInteger();
            AtomicInteger ran = new AtomicInteger();
            AtomicBoolean running = new AtomicBoolean();
            AtomicBoolean overlapped = new AtomicBoolean();
            List<Integer> log = new ArrayList<>(); // touched only by the runner's tasks
            java.util.Queue<List<Integer>> queuers = new ConcurrentLinkedQueue<>();
            class Queuer {
                final List<Integer> order = new ArrayList<>();

                Queuer() {
                    queuers.add(order);
                }

                void queue(java.util.Random random, int depth) {
                    int id = ids.getAndIncrement();
                    order.add(id);
                    runner.execute(() -> {
                        if (!running.compareAndSet(false, true)) {
                            overlapped.set(true);
                        }
                        log.add(id);
                        int children = depth == 0 ? 0 : random.nextInt(3);
                        Queuer mine = children == 0 ? null : new Queuer();
                        for (int c = 0; c < children; c++) {
                            mine.queue(random, depth - 1);
                        }
                        running.set(false);
                        ran.incrementAndGet();
                        if (random.nextInt(50) == 0) {
                            throw new IllegalStateException("a task failed");
                        }
                    });
                }
            }
            int producers = 4;
            int perProducer = 5_000;
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < producers; t++) {
                int seed = t;
                threads.add(new Thread(() -> {
                    java.util.Random random = new java.util.Random(seed);
                    Queuer direct = new Queuer();
                    Queuer viaOthers = new Queuer(); // queued by tasks of other runners, one at a time in order
                    SerialRunner other = others[seed % others.length];
                    for (int i = 0; i < perProducer; i++) {
                        if (random.nextInt(4) == 0) {
                            java.util.Random childRandom = new java.util.Random(random.nextLong());
                            other.execute(() -> viaOthers.queue(childRandom, 1));
                        } else {
                            direct.queue(random, 2);
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread thread : threads) {
                thread.join(60_000);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ran.get() < ids.get() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            CountDownLatch published = new CountDownLatch(1);
            runner.execute(published::countDown); // the log, as the runner's last task saw it
            assertThat(published.await(30, TimeUnit.SECONDS)).isTrue();

            assertThat(ran.get()).isEqualTo(ids.get());
            assertThat(overlapped.get()).isFalse();
            assertThat(log).hasSize(ids.get()).doesNotHaveDuplicates();
            int[] position = new int[ids.get()];
            for (int i = 0; i < log.size(); i++) {
                position[log.get(i)] = i;
            }
            for (List<Integer> order : queuers) {
                for (int i = 1; i < order.size(); i++) {
                    assertThat(position[order.get(i)]).as("queued after %s", order.get(i - 1))
                            .isGreaterThan(position[order.get(i - 1)]);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A task drained inline that throws (an exception, or an error such as a caller's dependent action
     * overflowing the stack) neither reaches the caller of execute nor stops the loop, and leaves the
     * runner idle, so the next task again runs inline on the caller's thread.
     */
    @Test
    void aTaskThatThrowsInsideAnInlineDrainNeitherEscapesNorStopsTheLoopNorWedgesTheRunner() {
        logs.expect(Level.ERROR, "session actor task failed unexpectedly");
        CollectingExecutor executor = new CollectingExecutor();
        SerialRunner runner = new SerialRunner(executor);
        List<String> ran = new ArrayList<>();

        runner.execute(() -> {
            ran.add("first");
            runner.execute(() -> {
                ran.add("throws");
                throw new IllegalStateException("a dependent action failed");
            });
            runner.execute(() -> {
                ran.add("error");
                throw new StackOverflowError("deep");
            });
            runner.execute(() -> ran.add("after"));
        });
        AtomicReference<Thread> nextRanOn = new AtomicReference<>();
        runner.execute(() -> nextRanOn.set(Thread.currentThread()));

        assertThat(ran).containsExactly("first", "throws", "error", "after");
        assertThat(nextRanOn.get()).as("the runner is idle again: inline").isSameAs(Thread.currentThread());
        assertThat(executor.handedOff).isEmpty();
    }

    /**
     * While the application stops, the pool refuses work: a drain that would be handed off runs on the
     * queuing thread instead, nested, and the thread's draining mark survives it (the outer drain still
     * hands further runners off), and is gone after the outer drain.
     */
    @Test
    void aRefusedHandOffRunsTheOtherRunnerHereAndTheThreadStillDrainsInlineAfterwards() {
        SerialRunner first = new SerialRunner(REFUSING);
        SerialRunner second = new SerialRunner(REFUSING);
        SerialRunner third = new SerialRunner(REFUSING);
        List<String> ran = new ArrayList<>();

        first.execute(() -> {
            second.execute(() -> ran.add("second"));
            third.execute(() -> ran.add("third"));
            ran.add("first");
        });
        AtomicReference<Thread> laterRanOn = new AtomicReference<>();
        second.execute(() -> laterRanOn.set(Thread.currentThread()));

        assertThat(ran).containsExactly("second", "third", "first");
        assertThat(laterRanOn.get()).isSameAs(Thread.currentThread());
    }

    /**
     * The runner's contract: "a task that throws is logged and the runner goes on". A checked exception
     * thrown without being declared (a storage backend written in Kotlin, or with a sneaky throw, whose
     * put throws an IOException at once) is neither a RuntimeException nor an Error: it escapes the
     * drain, now into the caller of execute (an engine caller's stash), and skips the reset of the
     * {@code scheduled} flag, so every later task of the runner (the session's every later operation)
     * only queues and never runs.
     */
    @Test
    void aTaskThatThrowsAnUndeclaredCheckedExceptionDoesNotWedgeTheRunner() {
        logs.allow(Level.ERROR, "session actor task failed unexpectedly");
        CollectingExecutor executor = new CollectingExecutor();
        SerialRunner runner = new SerialRunner(executor);
        AtomicBoolean laterRan = new AtomicBoolean();

        Throwable escaped = null;
        try {
            runner.execute(() -> sneakyThrow(new java.io.IOException("thrown by a backend at once")));
        } catch (Throwable t) {
            escaped = t;
        }
        runner.execute(() -> laterRan.set(true));
        executor.runAll();

        assertThat(laterRan).as("a later task of the same runner ran").isTrue();
        assertThat(escaped).as("what reached the caller of execute").isNull();
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
        throw (T) t;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
