package dev.durablestash.benchmarks.engine;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

import dev.durablestash.benchmarks.BenchViews;
import dev.durablestash.benchmarks.CountingBackend;
import dev.durablestash.benchmarks.Figures;
import dev.durablestash.benchmarks.Latencies;
import dev.durablestash.benchmarks.ThreadTicks;
import dev.durablestash.benchmarks.engine.CallerRounds.Done;
import dev.durablestash.benchmarks.engine.CallerRounds.Round;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.storage.s3.BenchmarkS3;

import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The S3 figures, against the tests' in-process S3Proxy on loopback, each engine figure measured beside
 * raw {@code PutObject}s of the same bytes by the same client (the backend's write client) to the same
 * server, interleaved in the same run:
 *
 * <ul>
 *   <li>{@code overhead_s3_p50_ratio}: one caller; each turn one stash (a one-key diff of a five-key,
 *       about 400-byte document), one raw conditional PUT ({@code If-Match}) of the stashed document's
 *       bytes and, not part of the goal, one such PUT shaped like the engine's (a key of its form, a
 *       content type naming a write id: {@code raw_put_engine_shaped_p50_s3}, which
 *       tells how much of the ratio is what the engine's writes carry), in an order that changes from
 *       turn to turn ({@link #TURN_ORDERS}): 15,000 warm-up turns, then 2,000 measured ones; the p50
 *       ratio of stashes to raw PUTs in each 1,000 turns is printed in a note;</li>
 *   <li>{@code group_commit_speedup}, {@code puts_per_stash_contended}: 64 threads stashing into one
 *       session as fast as they are acknowledged: four 2-s warm-up rounds (each one's rate printed),
 *       then two 2-s warm-up rounds of the same 64 threads on a {@link MinimalGroupCommit}, then four
 *       measured 2-s rounds of each in turns with four blocks of uncontended raw PUTs (R C M M C R R C M
 *       M C R; each block leaves out its first 300 PUTs, then measures PUTs for 1 s), whose p50 is the
 *       figure's raw PUT p50, so that a slow drift of the machine weighs on all alike;
 *       {@code minimal_group_commit_speedup}, no goal, is the same figure for the minimal group commit:
 *       a reference, what a group commit of these callers with none of the engine's work reached in
 *       this run. Notes split the measured rounds' cycle: each PUT's time in the backend, the time from
 *       its answer to its callers' returns (each, and the last of them) and to the next PUT, and the CPU
 *       time per PUT of each thread of the process, also for the minimal group commit;</li>
 *   <li>{@code many_sessions_throughput_ratio}: 64 threads stashing into random ones of 10,000
 *       sessions, rounds alternating with rounds of 64 threads sending raw conditional PUTs to random
 *       ones of 10,000 keys ({@code raw/N}), and, not part of the goal, rounds of raw PUTs shaped like
 *       the engine's (10,000 keys of its form, each PUT with a content type naming its write id), which
 *       tell how much of the ratio is what the engine's writes carry: three 2-s warm-up rounds of
 *       each, in turn, then four measured rounds of each in the order A B C C B A A B C C B A, so that
 *       a drift over the part (the JIT still compiling) weighs on each alike; each round's rate, and
 *       the JIT compilers' share of the process's CPU, are printed in notes.</li>
 * </ul>
 *
 * <p>The many-sessions part's 10,000 sessions are made first (a GET and a creating PUT each, about
 * 40 s of load that warms up the JIT of the client, the server and the engine), then the uncontended
 * and the contended parts run, and the many-sessions rounds last, on a process that has taken some
 * 60,000 more requests. Run first, as they were until December 2026, the rounds' rates rose through
 * the part (from 836 to 1,418 operations a second over the twelve measured rounds of one run, all
 * kinds; 2,396 to 3,656 when run last the same day, the JIT compilers at 2% of the CPU against 12%),
 * so the ratio measured the JIT's progress as much as the engine. The uncontended and contended parts' own warm-ups are long because on two cores the
 * JIT still recompiles their paths for tens of seconds (the uncontended ratio's first blocks show it).
 *
 * <p>Arguments: a scale factor for the durations and the numbers of uncontended turns (default 1; the
 * 300 raw PUTs each raw block of the contended part leaves out are not scaled).
 */
public final class S3EngineBenchmark {

    private static final int CALLERS = 64;
    private static final int SESSIONS = 10_000;
    /**
     * Uncontended turns before the measured ones. Measured after the many-sessions part, when a stash
     * and a raw PUT alternated in pairs, the ratio of each 1,000 pairs stayed at 1.15 to 1.20 for about
     * the first 9,000 pairs and then settled (at 1.04 to 1.08 on the day this was chosen, 1.08 to 1.17
     * on later days), with the raw PUTs' p50 falling too: on two cores the JIT keeps compiling this path
     * (and the client's and the server's) that long. The figure is the steady one; the drift is printed.
     */
    private static final int WARM_UP_TURNS = 15_000;
    private static final int MEASURED_TURNS = 2_000;
    private static final int DRIFT_BLOCK = 1_000;
    private static final int STASH = 0;
    private static final int RAW = 1;
    private static final int SHAPED = 2;
    /**
     * The order of a turn's three calls of the uncontended part, taken in turn: each kind comes first,
     * second and last equally often and follows each other kind equally often (on this machine a PUT
     * takes longer after its threads idled, so what comes before a call counts).
     */
    private static final int[][] TURN_ORDERS = {
        {STASH, RAW, SHAPED}, {RAW, SHAPED, STASH}, {SHAPED, STASH, RAW},
        {STASH, SHAPED, RAW}, {SHAPED, RAW, STASH}, {RAW, STASH, SHAPED},
    };
    /** Turns of 2-s warm-up rounds (stashes, raw PUTs, raw PUTs shaped like the engine's) of the many-sessions part. */
    private static final int WARM_UP_TURNS_MANY_SESSIONS = 3;
    /**
     * 2-s rounds of the contended load before its measured rounds (their rates rose from 29,000 to 38,000 a
     * second over eight).
     */
    private static final int CONTENDED_WARM_UP_ROUNDS = 4;
    /** 2-s rounds of the minimal group commit before its measured rounds. */
    private static final int MINIMAL_WARM_UP_ROUNDS = 2;
    /** How long each raw block of the contended part measures uncontended raw PUTs (scaled). */
    private static final long RAW_BLOCK_MILLIS = 1000;
    /** The fewest raw PUTs each raw block of the contended part measures, however small the scale. */
    private static final int RAW_BLOCK_MIN_MEASURED = 20;
    /** Raw PUTs each raw block of the contended part sends before it measures any (not scaled). */
    private static final int RAW_BLOCK_SKIPPED = 300;

    private final S3AsyncClient client;
    private final String bucket;
    private final CountingBackend backend;
    private final StashSettings settings;
    private final StashAdapter stash;
    private final double scale;

    private S3EngineBenchmark(double scale) {
        this.scale = scale;
        this.client = BenchmarkS3.appWriteClient(); // the raw PUTs go through the client the backend writes with
        this.bucket = BenchmarkS3.createBucket("bench");
        this.backend = new CountingBackend(BenchmarkS3.backend(bucket));
        this.settings = StashSettings.builder().secret(BenchViews.SECRET).build();
        this.stash = new StashAdapter(backend, settings);
    }

    /**
     * @param args optional: a scale factor for the durations and the numbers of uncontended turns
     * @throws Exception if the benchmark fails
     */
    public static void main(String[] args) throws Exception {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        S3EngineBenchmark benchmark = new S3EngineBenchmark(scale);
        try {
            // The sessions first: their tens of thousands of requests warm up the JIT of the client, the server
            // and the engine, so the uncontended latencies after them are those of a warm process (a cold one's
            // raw PUT p50 is two to three times its warm one). The many-sessions rounds last (class comment).
            Sessions sessions = benchmark.makeSessions();
            long start = System.nanoTime();
            benchmark.overhead();
            Figures.note("uncontended part took " + (System.nanoTime() - start) / 1_000_000_000 + " s");
            start = System.nanoTime();
            benchmark.groupCommit();
            Figures.note("contended part took " + (System.nanoTime() - start) / 1_000_000_000 + " s");
            start = System.nanoTime();
            benchmark.manySessions(sessions);
            Figures.note("many-sessions part took " + (System.nanoTime() - start) / 1_000_000_000 + " s");
        } finally {
            benchmark.stash.close();
        }
        System.exit(0);
    }

    private void overhead() {
        String sid = SessionIds.newSid();
        join(stash.stash(sid, BenchViews.FIVE_KEYS, BenchViews.allKeys(0)));
        byte[] body = backend.lastPutBody().clone();
        RawPutChain raw = new RawPutChain("raw/overhead", body, false);
        RawPutChain shaped = new RawPutChain(engineShapedKey(), body, true);
        Latencies stashes = new Latencies();
        Latencies raws = new Latencies();
        Latencies shapedRaws = new Latencies();
        Latencies beforePut = new Latencies();
        Latencies put = new Latencies();
        Latencies afterPut = new Latencies();
        int warmup = (int) (WARM_UP_TURNS * scale);
        int measured = (int) (MEASURED_TURNS * scale);
        StringBuilder drift = new StringBuilder();
        Latencies blockStashes = new Latencies();
        Latencies blockRaws = new Latencies();
        long[] nanos = new long[3];
        for (int i = 0; i < warmup + measured; i++) {
            long[] parts = new long[3];
            for (int kind : TURN_ORDERS[i % TURN_ORDERS.length]) {
                nanos[kind] = switch (kind) {
                    case STASH -> timeStash(sid, i, parts);
                    case RAW -> raw.timeOne();
                    default -> shaped.timeOne();
                };
            }
            blockStashes.add(nanos[STASH]);
            blockRaws.add(nanos[RAW]);
            if (blockStashes.size() == DRIFT_BLOCK || i == warmup - 1 || i == warmup + measured - 1) {
                drift.append(i < warmup ? " " : " [").append(Figures.format(blockStashes.percentileMillis(0.5)
                        / blockRaws.percentileMillis(0.5))).append(i < warmup ? "" : "]");
                blockStashes = new Latencies();
                blockRaws = new Latencies();
            }
            if (i >= warmup) {
                stashes.add(nanos[STASH]);
                raws.add(nanos[RAW]);
                shapedRaws.add(nanos[SHAPED]);
                beforePut.add(parts[0]);
                put.add(parts[1]);
                afterPut.add(parts[2]);
            }
        }
        double stashP50 = stashes.percentileMillis(0.5);
        double rawP50 = raws.percentileMillis(0.5);
        double shapedP50 = shapedRaws.percentileMillis(0.5);
        Figures.note("uncontended: document " + backend.lastPutBody().length + " bytes, " + measured
                + " turns of a stash, a raw PUT and a raw PUT shaped like the engine's after " + warmup
                + " warm-up turns; stash p50 " + Figures.format(stashP50) + " ms, raw PUT p50 "
                + Figures.format(rawP50) + " ms, shaped raw PUT p50 " + Figures.format(shapedP50) + " ms");
        Figures.note("uncontended: p50 ratio of stashes to raw PUTs in each block of up to " + DRIFT_BLOCK
                + " turns, warm-up first, measured in brackets:" + drift);
        Figures.note("uncontended: p50 differences, in microseconds (negative: faster): raw PUTs shaped like the"
                + " engine's (its key form, a content type naming a write id) against plain ones "
                + Figures.format((shapedP50 - rawP50) * 1000) + ", stashes against the shaped ones "
                + Figures.format((stashP50 - shapedP50) * 1000));
        Figures.print("overhead_s3_p50_ratio", stashP50 / rawP50, "x");
        Figures.print("stash_p50_s3_uncontended", stashP50, "ms");
        Figures.print("stash_p99_s3_uncontended", stashes.percentileMillis(0.99), "ms");
        Figures.print("raw_put_p50_s3", rawP50, "ms");
        Figures.print("raw_put_p99_s3", raws.percentileMillis(0.99), "ms");
        Figures.print("raw_put_engine_shaped_p50_s3", shapedP50, "ms");
        Figures.note("a stash's parts (p50 of each, in microseconds): " + Figures.format(beforePut.percentileMillis(0.5) * 1000)
                + " from stash() to the backend's put, " + Figures.format(put.percentileMillis(0.5) * 1000)
                + " in the backend's put, " + Figures.format(afterPut.percentileMillis(0.5) * 1000)
                + " from its answer to the caller's");
    }

    /** @return a key of the form of the engine's: its prefix and a base64url HMAC-SHA256 (random bytes here) */
    private String engineShapedKey() {
        byte[] digest = new byte[32]; // a storage key is the prefix and a base64url HMAC-SHA256
        ThreadLocalRandom.current().nextBytes(digest);
        return settings.keyPrefix() + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }

    /**
     * Uncontended raw conditional PUTs of one key, each {@code If-Match} the ETag of the one before, by the
     * backend's write client. Not thread-safe: one caller at a time.
     */
    private final class RawPutChain {

        private final String key;
        private final byte[] body;
        private final boolean engineShaped;
        private String etag;

        /**
         * @param engineShaped whether each PUT also carries what the backend's PUTs carry (a content type
         *     naming a write id of its own)
         */
        RawPutChain(String key, byte[] body, boolean engineShaped) {
            this.key = key;
            this.body = body;
            this.engineShaped = engineShaped;
            this.etag = put(putRequest(key, engineShaped).ifNoneMatch("*"));
        }

        /** @return the nanoseconds one more PUT of the chain took */
        long timeOne() {
            long start = System.nanoTime();
            etag = put(putRequest(key, engineShaped).ifMatch(etag));
            return System.nanoTime() - start;
        }

        private String put(PutObjectRequest.Builder request) {
            return client.putObject(request.build(), AsyncRequestBody.fromBytes(body)).join().eTag();
        }
    }

    /** @param parts gets the time before the backend's put, in it, and after its answer */
    private long timeStash(String sid, long n, long[] parts) {
        Map<String, Object> diff = BenchViews.oneKey(n); // the caller's values, made before the clock starts
        long start = System.nanoTime();
        join(stash.stash(sid, BenchViews.FIVE_KEYS, diff));
        long end = System.nanoTime();
        parts[0] = backend.lastPutSent() - start;
        parts[1] = backend.lastPutAnswered() - backend.lastPutSent();
        parts[2] = end - backend.lastPutAnswered();
        return end - start;
    }

    private void groupCommit() throws InterruptedException {
        String sid = SessionIds.newSid();
        join(stash.stash(sid, BenchViews.FIVE_KEYS, BenchViews.allKeys(0)));
        RawPutChain raw = new RawPutChain("raw/contended", backend.lastPutBody().clone(), false);
        IntConsumer stashOne = thread -> join(stash.stash(sid, BenchViews.FIVE_KEYS, BenchViews.oneKey(thread)));
        StringBuilder warmUpRates = new StringBuilder();
        for (int i = 0; i < CONTENDED_WARM_UP_ROUNDS; i++) {
            Round warmUp = CallerRounds.run(CALLERS, millis(2000), stashOne);
            warmUpRates.append(' ').append(Math.round(warmUp.operations / warmUp.seconds));
        }
        Figures.note("contended: stashes/s in each 2-s warm-up round:" + warmUpRates);
        MinimalGroupCommit minimal = new MinimalGroupCommit(client, bucket, "raw/minimal-group-commit",
                backend.lastPutBody(), CALLERS);
        IntConsumer commitOne = thread -> minimal.commit();
        for (int i = 0; i < MINIMAL_WARM_UP_ROUNDS; i++) {
            minimalRound(minimal, commitOne);
        }
        long putsBefore = backend.puts();
        CountingBackend.PutTimes putTimes = backend.timePuts();
        CallersAnswered answered = new CallersAnswered(CALLERS);
        IntConsumer stashAndRecord = thread -> {
            stashOne.accept(thread);
            answered.record(thread, backend.lastPutAnswered(), System.nanoTime());
        };
        // The stashes' rate, the minimal group commit's and the raw PUT's p50 are measured in turns, R C M M C R
        // R C M M C R, so that a slow drift of the machine weighs on all alike. The uncontended part's raw PUT
        // p50 is not used: it was measured a minute earlier, and its PUTs alternate with stashes, which made
        // them 5 to 18% slower than raw PUTs sent on their own (three blocks of each, one process). Each round restarts the PUT times, so that
        // the raw block before it does not count as a gap between PUTs.
        Round round = new Round();
        Round minimalRounds = new Round();
        long minimalPutsBefore = minimal.puts();
        Latencies raws = new Latencies();
        StringBuilder turns = new StringBuilder();
        for (char turn : "RCMMCRRCMMCR".toCharArray()) {
            if (turn == 'C') {
                backend.timePuts(putTimes);
                Round one = CallerRounds.run(CALLERS, millis(2000), stashAndRecord);
                round.add(one);
                turns.append(" stashes ").append(Math.round(one.operations / one.seconds)).append("/s");
            } else if (turn == 'M') {
                Round one = minimalRound(minimal, commitOne);
                minimalRounds.add(one);
                turns.append(" minimal ").append(Math.round(one.operations / one.seconds)).append("/s");
            } else {
                RawBlock block = rawBlock(raw);
                raws.addAll(block.measured());
                turns.append(" raw PUT p50 ").append(Figures.format(block.measured().percentileMillis(0.5)))
                        .append(" ms of ").append(block.measured().size()).append(" (left out: ")
                        .append(Figures.format(block.leftOut().percentileMillis(0.5))).append(" ms)");
            }
        }
        backend.stopTimingPuts();
        double rawP50 = raws.percentileMillis(0.5);
        long puts = backend.puts() - putsBefore;
        double perSecond = round.operations / round.seconds;
        Figures.note("contended: " + CALLERS + " threads on one session, " + round.operations + " stashes in "
                + Figures.format(round.seconds) + " s, " + puts + " PUTs; the measured turns:" + turns
                + " (each raw block: its p50 over the PUTs it measured, how many, and the p50 of the "
                + RAW_BLOCK_SKIPPED + " uncontended PUTs it left out before them)");
        Figures.note("contended: each PUT took p50 " + Figures.format(putTimes.inDelegateP50Millis())
                + " ms in the backend (uncontended raw PUT p50 " + Figures.format(rawP50) + " ms), and was sent p50 "
                + Figures.format(putTimes.sinceAnswerBeforeP50Millis()) + " ms after the answer to the PUT before it"
                + " (its callers answered, their next stashes gathered)");
        Latencies lastCallers = answered.lastCallerOfEachPut();
        Figures.note("contended: the callers returned from their stash p50 "
                + Figures.format(answered.eachCaller().percentileMillis(0.5)) + " ms after the answer to the PUT that"
                + " acknowledged it, and the last of each PUT's callers p50 " + Figures.format(lastCallers.percentileMillis(0.5))
                + " ms (p90 " + Figures.format(lastCallers.percentileMillis(0.9)) + ") after it");
        Figures.note("contended: " + cpuPer(round.cpuNanosByName, puts, round.seconds, "PUT"));
        long minimalPuts = minimal.puts() - minimalPutsBefore;
        Figures.note("contended, minimal group commit: " + minimalRounds.operations + " commits in "
                + Figures.format(minimalRounds.seconds) + " s, " + minimalPuts + " PUTs; "
                + cpuPer(minimalRounds.cpuNanosByName, minimalPuts, minimalRounds.seconds, "PUT"));
        Figures.print("group_commit_speedup", perSecond * rawP50 / 1000.0, "x");
        Figures.print("minimal_group_commit_speedup",
                minimalRounds.operations / minimalRounds.seconds * rawP50 / 1000.0, "x");
        Figures.print("raw_put_p50_s3_contended_part", rawP50, "ms");
        Figures.print("puts_per_stash_contended", (double) puts / round.operations, "PUTs/stash");
        Figures.print("stash_p99_s3_contended", round.latencies.percentileMillis(0.99), "ms");
    }

    /** One 2-s round (scaled) of the callers on {@code minimal}. */
    private Round minimalRound(MinimalGroupCommit minimal, IntConsumer commitOne) throws InterruptedException {
        minimal.startRound(millis(2000));
        return CallerRounds.run(CALLERS, millis(2000), commitOne);
    }

    /**
     * One block of uncontended raw PUTs: its first {@link #RAW_BLOCK_SKIPPED} are left out (just after a
     * contended round, raw PUTs ran up to twice as slow for a few hundred PUTs in some runs; the note prints
     * their p50 beside the measured one), then PUTs are measured for {@link #RAW_BLOCK_MILLIS} (scaled),
     * at least {@value #RAW_BLOCK_MIN_MEASURED}.
     */
    private RawBlock rawBlock(RawPutChain raw) {
        Latencies leftOut = new Latencies();
        for (int i = 0; i < RAW_BLOCK_SKIPPED; i++) {
            leftOut.add(raw.timeOne());
        }
        Latencies measured = new Latencies();
        long end = System.nanoTime() + millis(RAW_BLOCK_MILLIS) * 1_000_000;
        while (measured.size() < RAW_BLOCK_MIN_MEASURED || System.nanoTime() - end < 0) {
            measured.add(raw.timeOne());
        }
        return new RawBlock(leftOut, measured);
    }

    private record RawBlock(Latencies leftOut, Latencies measured) {
    }

    /**
     * @param cpuNanos the CPU time of the process's threads over a round, by thread name ({@link Round})
     * @param operations what the round counts (PUTs or stashes)
     * @param operation its name, singular
     * @return the round's CPU time per operation by thread (those with at least 1% of it), all threads'
     *     and the wall time per operation
     */
    private static String cpuPer(Map<String, Long> cpuNanos, long operations, double seconds, String operation) {
        long all = cpuNanos.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder text = new StringBuilder("CPU time per ").append(operation)
                .append(" in the measured rounds, by thread (the callers' from their CPU clocks, the others' from"
                        + " their clock ticks):");
        long listed = 0;
        for (Map.Entry<String, Long> thread : cpuNanos.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).toList()) {
            if (thread.getValue() * 100 >= all) {
                listed += thread.getValue();
                text.append(' ').append(thread.getKey()).append(' ')
                        .append(Figures.format(msPer(thread.getValue(), operations)));
            }
        }
        return text.append(", the other threads ").append(Figures.format(msPer(all - listed, operations)))
                .append("; all threads ").append(Figures.format(msPer(all, operations))).append(" ms, over ")
                .append(Figures.format(seconds * 1000 / operations)).append(" ms of wall time on ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores").toString();
    }

    private static double msPer(long nanos, long operations) {
        return operations == 0 ? Double.NaN : nanos / 1e6 / operations;
    }

    /**
     * The many-sessions part's sessions, made before the other parts.
     *
     * @param sids their ids
     * @param body a five-key document, as the raw PUTs' body
     */
    private record Sessions(List<String> sids, byte[] body) {}

    private Sessions makeSessions() throws InterruptedException {
        List<String> sids = new ArrayList<>(SESSIONS);
        for (int i = 0; i < SESSIONS; i++) {
            sids.add(SessionIds.newSid());
        }
        AtomicLong touched = new AtomicLong();
        // Every session exists before the rounds (its first stash costs a GET that finds nothing, then a
        // creating PUT): the rounds measure updates. A raw key's first PUT (If-None-Match) costs the same as
        // its later ones (If-Match), so the raw keys are created in the rounds.
        Round made = CallerRounds.run(CALLERS, Long.MAX_VALUE, thread -> {
            long i = touched.getAndIncrement();
            if (i >= SESSIONS) {
                throw new Done();
            }
            join(stash.stash(sids.get((int) i), BenchViews.FIVE_KEYS, BenchViews.allKeys(i)));
        });
        Figures.note("many sessions: " + SESSIONS + " sessions made (a GET and a creating PUT each) in "
                + Figures.format(made.seconds) + " s");
        return new Sessions(sids, backend.lastPutBody().clone());
    }

    private void manySessions(Sessions sessions) throws InterruptedException {
        List<String> sids = sessions.sids();
        byte[] body = sessions.body();
        IntConsumer stashOne = thread -> {
            int i = ThreadLocalRandom.current().nextInt(SESSIONS);
            join(stash.stash(sids.get(i), BenchViews.FIVE_KEYS, BenchViews.oneKey(thread)));
        };
        List<String> plainKeys = new ArrayList<>(SESSIONS);
        List<String> engineShapedKeys = new ArrayList<>(SESSIONS);
        for (int i = 0; i < SESSIONS; i++) {
            plainKeys.add("raw/" + i);
            engineShapedKeys.add(engineShapedKey());
        }
        IntConsumer rawOne = rawPuts(plainKeys, body, false);
        IntConsumer rawEngineShaped = rawPuts(engineShapedKeys, body, true);
        // Warm-up: on two cores the JIT compiles the client's, the server's and the engine's paths for minutes
        // (rates measured right after the sessions were made rose by a third from round to round). Going on
        // until the compiler threads were quiet was tried: they still used 16 to 19% of the process's CPU
        // (the callers' CPU left out of that total) in each of ten pairs of rounds (40 s), so the warm-up is
        // three turns, and the notes show the JIT's share in each and over the measured rounds.
        StringBuilder warmUp = new StringBuilder();
        for (int turn = 0; turn < WARM_UP_TURNS_MANY_SESSIONS; turn++) {
            Round stashes = CallerRounds.run(CALLERS, millis(2000), stashOne);
            Round raws = CallerRounds.run(CALLERS, millis(2000), rawOne);
            Round shaped = CallerRounds.run(CALLERS, millis(2000), rawEngineShaped);
            Round turnOfRounds = new Round();
            List.of(stashes, raws, shaped).forEach(turnOfRounds::add);
            double share = ThreadTicks.share(turnOfRounds.cpuNanosByGroup, "jit");
            warmUp.append(" stash ").append(Figures.format(stashes.operations / stashes.seconds))
                    .append(" raw ").append(Figures.format(raws.operations / raws.seconds))
                    .append(" shaped ").append(Figures.format(shaped.operations / shaped.seconds))
                    .append(" (JIT ").append(Math.round(100 * share)).append("%)");
        }
        Figures.note("many sessions, each warm-up round's rate per second, and the JIT compilers' share of the"
                + " process's CPU in each turn of rounds:" + warmUp);
        Map<String, IntConsumer> loads = Map.of("stash", stashOne, "raw", rawOne, "shaped", rawEngineShaped);
        Map<String, Round> totals = Map.of("stash", new Round(), "raw", new Round(), "shaped", new Round());
        long stashRoundGets = 0;
        long stashRoundPuts = 0;
        StringBuilder rounds = new StringBuilder();
        // A B C C B A A B C C B A: a drift (the JIT still compiling) weighs on each alike.
        for (String load : List.of("stash", "raw", "shaped", "shaped", "raw", "stash", "stash", "raw", "shaped",
                "shaped", "raw", "stash")) {
            long getsBefore = backend.gets();
            long putsBefore = backend.puts();
            Round round = CallerRounds.run(CALLERS, millis(3000), loads.get(load));
            if (load.equals("stash")) {
                stashRoundGets += backend.gets() - getsBefore;
                stashRoundPuts += backend.puts() - putsBefore;
            }
            totals.get(load).add(round);
            rounds.append(' ').append(load).append(' ').append(Figures.format(round.operations / round.seconds));
        }
        Round measured = new Round();
        totals.values().forEach(measured::add);
        double measuredJitShare = ThreadTicks.share(measured.cpuNanosByGroup, "jit");
        Figures.note("many sessions, each measured round's rate per second:" + rounds + "; the JIT compilers' share"
                + " of the process's CPU over them: " + Math.round(100 * measuredJitShare) + "%");
        Round stashTotal = totals.get("stash");
        Round rawTotal = totals.get("raw");
        double stashRate = stashTotal.operations / stashTotal.seconds;
        double rawRate = rawTotal.operations / rawTotal.seconds;
        double shapedRate = totals.get("shaped").operations / totals.get("shaped").seconds;
        Figures.note("many sessions: " + SESSIONS + " sessions, " + CALLERS + " callers, " + Figures.format(stashRate)
                + " stashes/s vs " + Figures.format(rawRate) + " raw PUTs/s, live actors "
                + stash.statistics().liveActors());
        Figures.note("many sessions: raw PUTs shaped like the engine's (its key form, " + engineShapedKeys.get(0).length()
                + " characters against " + plainKeys.get(0).length() + " to " + plainKeys.get(SESSIONS - 1).length()
                + ", and a content type naming a write id) ran at " + Figures.format(shapedRate / rawRate)
                + " of the plain raw PUTs' rate; the stashes at " + Figures.format(stashRate / shapedRate)
                + " of theirs");
        Figures.note("many sessions, stash rounds: " + Figures.format((double) stashRoundPuts / stashTotal.operations)
                + " PUTs and " + Figures.format((double) stashRoundGets / stashTotal.operations) + " GETs per stash");
        for (String load : List.of("stash", "raw", "shaped")) {
            Round total = totals.get(load);
            Figures.note("many sessions, " + load + " rounds: " + cpuPer(total.cpuNanosByName, total.operations,
                    total.seconds, load.equals("stash") ? "stash" : "PUT"));
        }
        Figures.print("many_sessions_throughput_ratio", stashRate / rawRate, "x");
        Figures.print("stash_per_s_s3_many_sessions", stashRate, "stashes/s");
        Figures.print("raw_put_per_s_s3_many_sessions", rawRate, "PUTs/s");
        Figures.print("raw_put_engine_shaped_per_s_s3_many_sessions", shapedRate, "PUTs/s");
        Figures.print("stash_p99_s3_many_sessions", stashTotal.latencies.percentileMillis(0.99), "ms");
        Figures.print("raw_put_p99_s3_many_sessions", rawTotal.latencies.percentileMillis(0.99), "ms");
    }

    /**
     * @param keys the keys, one of which each PUT picks at random
     * @param engineShaped whether each PUT also carries what the backend's PUTs carry (a content type
     *     naming a write id of its own)
     * @return raw conditional PUTs of {@code body}: {@code If-None-Match: *} for a key's first, then
     *     {@code If-Match} its last ETag
     */
    private IntConsumer rawPuts(List<String> keys, byte[] body, boolean engineShaped) {
        ConcurrentHashMap<Integer, String> etags = new ConcurrentHashMap<>();
        return thread -> {
            int i = ThreadLocalRandom.current().nextInt(keys.size());
            String etag = etags.get(i);
            PutObjectRequest.Builder builder = putRequest(keys.get(i), engineShaped);
            PutObjectRequest request = (etag == null ? builder.ifNoneMatch("*") : builder.ifMatch(etag)).build();
            try {
                etags.put(i, client.putObject(request, AsyncRequestBody.fromBytes(body)).join().eTag());
            } catch (RuntimeException e) {
                // Two callers drew the same key at once: one of them got 412. It was a request all the same.
            }
        };
    }

    /**
     * @return a PUT of {@code key} to the benchmark's bucket, carrying what the backend's PUTs carry too
     *     ({@link BenchmarkS3#withTheBackendsHeaders}) when {@code engineShaped}; its precondition not set
     */
    private PutObjectRequest.Builder putRequest(String key, boolean engineShaped) {
        PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(bucket).key(key);
        return engineShaped ? BenchmarkS3.withTheBackendsHeaders(request) : request;
    }

    private long millis(long base) {
        return (long) (base * scale);
    }

    private static void join(java.util.concurrent.CompletionStage<?> stage) {
        stage.toCompletableFuture().join();
    }
}
