package dev.durablestash.benchmarks.engine;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import dev.durablestash.benchmarks.Latencies;

/**
 * When the callers of a contended session got their answers: for each stash, the time from the answer
 * of the PUT that acknowledged it (as the counting backend saw it) to the caller's return from the
 * stash. Grouped by that answer, it tells how long the engine and the machine took to answer all the
 * callers of one PUT. One slot per caller thread, each written only by its thread during a round and
 * read after the round's threads ended (their {@code join} publishes the writes).
 *
 * <p>A caller reads the last PUT's answer time after its own stash returned. The next PUT waits for
 * this caller's next stash unless its gather ended on its time bound first, so the time read is the
 * answer of the caller's own PUT but for those rare gathers; then it is a later answer and the time
 * recorded shorter than the caller's real wait.
 */
final class CallersAnswered {

    private final long[][] answeredAt;
    private final long[][] returnedAfter;
    private final int[] sizes;

    /** @param callers the number of caller threads, indexed 0 to {@code callers - 1} */
    CallersAnswered(int callers) {
        answeredAt = new long[callers][1024];
        returnedAfter = new long[callers][1024];
        sizes = new int[callers];
    }

    /**
     * Called by caller thread {@code thread} only.
     *
     * @param answered {@link System#nanoTime()} of the answer of the PUT that acknowledged the caller's stash
     * @param returned {@link System#nanoTime()} when the caller's stash returned
     */
    void record(int thread, long answered, long returned) {
        int size = sizes[thread];
        if (size == answeredAt[thread].length) {
            answeredAt[thread] = Arrays.copyOf(answeredAt[thread], size * 2);
            returnedAfter[thread] = Arrays.copyOf(returnedAfter[thread], size * 2);
        }
        answeredAt[thread][size] = answered;
        returnedAfter[thread][size] = returned - answered;
        sizes[thread] = size + 1;
    }

    /** @return the time from the PUT's answer to each caller's return, one per stash */
    Latencies eachCaller() {
        Latencies each = new Latencies();
        for (int t = 0; t < sizes.length; t++) {
            for (int i = 0; i < sizes[t]; i++) {
                each.add(returnedAfter[t][i]);
            }
        }
        return each;
    }

    /** @return for each PUT, the time from its answer to the return of the last of its callers */
    Latencies lastCallerOfEachPut() {
        Map<Long, Long> lastByAnswer = new HashMap<>();
        for (int t = 0; t < sizes.length; t++) {
            for (int i = 0; i < sizes[t]; i++) {
                lastByAnswer.merge(answeredAt[t][i], returnedAfter[t][i], Math::max);
            }
        }
        Latencies last = new Latencies();
        lastByAnswer.values().forEach(last::add);
        return last;
    }
}
