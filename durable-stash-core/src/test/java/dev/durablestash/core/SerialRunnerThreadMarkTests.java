package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import ch.qos.logback.classic.Level;

import dev.durablestash.testsupport.ExpectedLogs;

/** The thread marks of SerialRunner (draining) and CallerFuture.Wakes (collecting): set, nested and cleared. */
class SerialRunnerThreadMarkTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.of(SerialRunner.class);

    /**
     * A refused batch hand-off continues the drain inline after the outermost drain cleared the mark: it is
     * outermost again, so it must set the mark (a runner queued from it is handed off) and clear it after.
     */
    @Test
    void aRefusedBatchHandOffStillMarksTheThreadAsDraining() {
        SerialRunner busy = new SerialRunner(SerialRunnerTests.REFUSING);
        SerialRunnerTests.CollectingExecutor otherPool = new SerialRunnerTests.CollectingExecutor();
        SerialRunner other = new SerialRunner(otherPool);
        List<Integer> ran = new ArrayList<>();
        List<Thread> otherRanOn = new ArrayList<>();

        busy.execute(() -> {
            for (int i = 0; i < 600; i++) {
                int n = i;
                busy.execute(() -> {
                    ran.add(n);
                    if (n == 400) { // in the drain after the refused batch hand-off
                        other.execute(() -> otherRanOn.add(Thread.currentThread()));
                    }
                });
            }
        });

        assertThat(ran).hasSize(600);
        for (int i = 0; i < 600; i++) {
            assertThat(ran.get(i)).isEqualTo(i);
        }
        assertThat(otherRanOn).as("handed off, not nested").isEmpty();
        assertThat(otherPool.handedOff).hasSize(1);
        otherPool.runAll();
        assertThat(otherRanOn).hasSize(1);
        AtomicReference<Thread> inline = new AtomicReference<>();
        other.execute(() -> inline.set(Thread.currentThread()));
        assertThat(inline.get()).as("the mark was cleared").isSameAs(Thread.currentThread());
    }

    /** A nested refused drain whose task throws leaves the outer drain's mark set, and it is cleared after. */
    @Test
    void aThrowingTaskInANestedRefusedDrainLeavesTheOuterMarkInPlace() {
        logs.expect(Level.ERROR, "session actor task failed unexpectedly");
        SerialRunner outer = new SerialRunner(SerialRunnerTests.REFUSING);
        SerialRunner nested = new SerialRunner(SerialRunnerTests.REFUSING);
        SerialRunnerTests.CollectingExecutor laterPool = new SerialRunnerTests.CollectingExecutor();
        SerialRunner later = new SerialRunner(laterPool);
        List<String> ran = new ArrayList<>();

        outer.execute(() -> {
            nested.execute(() -> {
                ran.add("nested");
                throw new IllegalStateException("boom");
            });
            later.execute(() -> ran.add("later"));
            ran.add("outer");
        });

        assertThat(ran).containsExactly("nested", "outer");
        assertThat(laterPool.handedOff).hasSize(1);
        laterPool.runAll();
        assertThat(ran).containsExactly("nested", "outer", "later");
        AtomicReference<Thread> inline = new AtomicReference<>();
        later.execute(() -> inline.set(Thread.currentThread()));
        assertThat(inline.get()).isSameAs(Thread.currentThread());
    }

    /** A drain run by the executor's thread marks that thread, and clears the mark once it ends. */
    @Test
    void aDrainOnTheExecutorsThreadMarksThatThreadOnly() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            SerialRunnerTests.CollectingExecutor collecting = new SerialRunnerTests.CollectingExecutor();
            SerialRunner handedOff = new SerialRunner(pool);
            SerialRunner fromPool = new SerialRunner(collecting);
            SerialRunner afterwards = new SerialRunner(collecting);
            AtomicReference<Thread> poolThread = new AtomicReference<>();
            List<String> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
            // make handedOff's drain go to the pool: queue from inside a drain of another runner
            new SerialRunner(collecting).execute(() -> handedOff.execute(() -> {
                poolThread.set(Thread.currentThread());
                fromPool.execute(() -> ran.add("fromPool"));
            }));
            pool.submit(() -> { }).get(10, TimeUnit.SECONDS);
            assertThat(poolThread.get()).isNotNull().isNotSameAs(Thread.currentThread());
            assertThat(ran).as("nested on the pool thread: handed off").isEmpty();
            AtomicReference<Thread> ranOn = new AtomicReference<>();
            pool.submit(() -> afterwards.execute(() -> ranOn.set(Thread.currentThread()))).get(10, TimeUnit.SECONDS);
            assertThat(ranOn.get()).as("pool thread's mark cleared").isSameAs(poolThread.get());
            AtomicReference<Thread> here = new AtomicReference<>();
            new SerialRunner(collecting).execute(() -> here.set(Thread.currentThread()));
            assertThat(here.get()).isSameAs(Thread.currentThread());
        } finally {
            pool.shutdownNow();
        }
    }

    /** A direct executor (runs the hand-off at once) on a draining thread: the drain is nested, the mark kept. */
    @Test
    void aDirectExecutorKeepsTheMarkOfTheOuterDrain() {
        Executor direct = Runnable::run;
        SerialRunnerTests.CollectingExecutor collecting = new SerialRunnerTests.CollectingExecutor();
        SerialRunner outer = new SerialRunner(direct);
        SerialRunner viaDirect = new SerialRunner(direct);
        SerialRunner last = new SerialRunner(collecting);
        List<String> ran = new ArrayList<>();
        outer.execute(() -> {
            viaDirect.execute(() -> ran.add("direct"));
            last.execute(() -> ran.add("last"));
            ran.add("outer");
        });
        assertThat(ran).containsExactly("direct", "outer");
        assertThat(collecting.handedOff).hasSize(1);
    }

    /** Nested collections, the inner one throwing: the outer is restored, and nothing is left after. */
    @Test
    void nestedCollectionsRestoreTheOuterOneAlsoWhenTheInnerThrows() {
        List<Object> seen = new ArrayList<>();
        assertThat(CallerFuture.Wakes.collecting()).isNull();
        assertThatThrownBy(() -> CallerFuture.Wakes.collect(() -> {
            CallerFuture.Wakes outerOne = CallerFuture.Wakes.collecting();
            seen.add(outerOne);
            assertThatThrownBy(() -> CallerFuture.Wakes.collect(() -> {
                seen.add(CallerFuture.Wakes.collecting());
                throw new IllegalStateException("inner");
            })).hasMessage("inner");
            seen.add(CallerFuture.Wakes.collecting());
            throw new IllegalArgumentException("outer");
        })).hasMessage("outer");
        assertThat(seen).hasSize(3);
        assertThat(seen.get(0)).isNotNull().isSameAs(seen.get(2));
        assertThat(seen.get(1)).isNotNull().isNotSameAs(seen.get(0));
        assertThat(CallerFuture.Wakes.collecting()).as("nothing left on the thread").isNull();
    }

    /** Randomized, fixed seed: runners with direct, refusing and collecting executors; per-runner order. */
    @Test
    void randomizedRunnersKeepEachRunnersOrderAndNeverNest() {
        logs.allow(Level.ERROR, "session actor task failed unexpectedly");
        Random random = new Random(4242);
        SerialRunnerTests.CollectingExecutor collecting = new SerialRunnerTests.CollectingExecutor();
        List<SerialRunner> runners = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            runners.add(new SerialRunner(switch (i % 3) {
                case 0 -> collecting;
                case 1 -> SerialRunnerTests.REFUSING;
                default -> (Executor) Runnable::run;
            }));
        }
        Map<SerialRunner, List<Integer>> queued = new HashMap<>();
        Map<SerialRunner, List<Integer>> ran = new HashMap<>();
        Map<SerialRunner, boolean[]> running = new HashMap<>();
        for (SerialRunner r : runners) {
            queued.put(r, new ArrayList<>());
            ran.put(r, new ArrayList<>());
            running.put(r, new boolean[1]);
        }
        int[] counter = {0};
        List<String> violations = new ArrayList<>();
        class Tree {
            void queue(int level) {
                SerialRunner r = runners.get(random.nextInt(runners.size()));
                int id = counter[0]++;
                queued.get(r).add(id);
                int children = level < 6 ? random.nextInt(3) : 0;
                boolean throwsAfter = random.nextInt(20) == 0;
                r.execute(() -> {
                    if (running.get(r)[0]) {
                        violations.add("runner nested at task " + id);
                    }
                    running.get(r)[0] = true;
                    try {
                        ran.get(r).add(id);
                        for (int c = 0; c < children; c++) {
                            queue(level + 1);
                        }
                        if (throwsAfter) {
                            throw new IllegalStateException("task " + id);
                        }
                    } finally {
                        running.get(r)[0] = false;
                    }
                });
            }
        }
        Tree tree = new Tree();
        for (int i = 0; i < 300; i++) {
            tree.queue(0);
            if (random.nextBoolean()) {
                collecting.runAll();
            }
        }
        collecting.runAll();
        assertThat(violations).isEmpty();
        for (SerialRunner r : runners) {
            assertThat(ran.get(r)).isEqualTo(queued.get(r));
        }
        // after everything, this thread is not marked
        AtomicReference<Thread> inline = new AtomicReference<>();
        runners.get(0).execute(() -> inline.set(Thread.currentThread()));
        assertThat(inline.get()).isSameAs(Thread.currentThread());
    }
}
