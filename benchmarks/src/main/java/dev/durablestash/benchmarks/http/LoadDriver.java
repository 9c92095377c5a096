package dev.durablestash.benchmarks.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import dev.durablestash.benchmarks.Figures;
import dev.durablestash.benchmarks.ThreadTicks;

/**
 * The load driver for whole-app figures. Each simulated browser session is a thread with a cookie jar
 * of its own, sending {@code POST /increment} and waiting for each answer (a closed loop, as a browser
 * would).
 *
 * <ul>
 *   <li>{@code compare SECONDS WARMUP FIGURE APP_A [FIGURE APP_A]... APP_B}: starts every app, warms
 *       each up with WARMUP seconds of 64 concurrent sessions, in segments of at most 10 s taken by
 *       the apps in turn (each segment's rate printed in a note), gives an app whose JIT compilers were
 *       still busy in its last segment up to two more (see {@link #warmUp}), then runs rounds of SECONDS on each
 *       app in an order that is the same forwards and backwards (A1 A2 B B A2 A1 twice: four rounds
 *       each), and prints each FIGURE = its APP_A's requests/s ÷ APP_B's, each app's requests/s and
 *       server CPU per request, then {@code racing_increments_kept_APP} for each. Several APP_As share
 *       one APP_B and its warm-up. The warm-up is long because on two cores the JIT compiles an app's
 *       request path for about a minute of this load: in 10-s segments, the in-memory DurableStash
 *       app's rate rose from 650 to 8,200 requests/s over its first five and then stayed between 7,800
 *       and 10,300, Spring Session's from 1,300 to 10,200 over four; rounds during that climb measured
 *       compilation more than the apps, and weighed most on the app with the most code to compile;</li>
 *   <li>{@code racing FIGURE APP}: starts the app and prints FIGURE = how many of 100 concurrent
 *       increments of one browser session it kept.</li>
 * </ul>
 *
 * <p>Apps are named as {@link App} says. Logs go to {@code target/bench/NAME.log}.
 */
public final class LoadDriver {

    private static final int SESSIONS = Integer.getInteger("bench.sessions", 64);
    private static final int RACERS = 100;
    private static final int WARM_UP_SEGMENT_SECONDS = 10;
    /**
     * The JIT compilers' share of an app's CPU in a warm-up segment below which the app counts as
     * compiled. Four full runs with a fixed warm-up of 50 s ended it with the in-memory DurableStash app's
     * compilers at 8, 2, 30 and 15% and the other apps' at 1 to 4%; the two runs at 30 and 15% gave the two
     * lowest in-memory ratios (0.85 and 0.81, the others 0.91 and 0.90). In one comparison with 100 s
     * the DurableStash app's compilers were at 0 to 8% from the sixth segment on.
     */
    private static final double QUIET_JIT_SHARE = 0.05;
    /** How long a simulated session pauses after an I/O error (see {@link #closedLoop}). */
    static final long PAUSE_AFTER_IO_ERROR_MILLIS = 10;
    /** Extra warm-up segments an app still compiling gets at most (see {@link #warmUp}). */
    private static final int MAX_EXTRA_WARM_UP_SEGMENTS = 2;

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private LoadDriver() {
    }

    /**
     * @param args as the class documentation says
     * @throws Exception if an app does not start or the load fails
     */
    public static void main(String[] args) throws Exception {
        Path workDir = Files.createDirectories(Path.of("target", "bench"));
        LoadDriver driver = new LoadDriver();
        switch (args[0]) {
            case "compare" -> driver.compare(Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                    List.of(args).subList(3, args.length), workDir);
            case "racing" -> driver.racing(args[1], args[2], workDir);
            default -> throw new IllegalArgumentException("compare or racing, not " + args[0]);
        }
        System.exit(0);
    }

    /**
     * @param figuresAndApps FIGURE APP_A pairs, then APP_B
     */
    private void compare(int seconds, int warmup, List<String> figuresAndApps, Path workDir) throws Exception {
        if (figuresAndApps.size() < 3 || figuresAndApps.size() % 2 == 0) {
            throw new IllegalArgumentException("compare SECONDS WARMUP FIGURE APP_A [FIGURE APP_A]... APP_B, not "
                    + figuresAndApps);
        }
        List<App> apps = new ArrayList<>();
        try {
            for (int i = 1; i < figuresAndApps.size(); i += 2) {
                apps.add(App.start(figuresAndApps.get(i), workDir));
            }
            apps.add(App.start(figuresAndApps.get(figuresAndApps.size() - 1), workDir));
            for (App app : apps) {
                app.awaitReady(client, Duration.ofSeconds(120));
            }
            List<List<Session>> sessions = apps.stream().map(this::sessions).toList();
            warmUp(apps, sessions, warmup);
            // A1 .. An B B An .. A1, twice: every app's rounds sit as early and as late on average.
            int n = apps.size();
            List<Totals> totals = apps.stream().map(app -> new Totals()).toList();
            for (int pass = 0; pass < 2; pass++) {
                for (int k = 0; k < 2 * n; k++) {
                    int i = k < n ? k : 2 * n - 1 - k;
                    totals.get(i).add(round(sessions.get(i), seconds, apps.get(i)));
                }
            }
            App b = apps.get(apps.size() - 1);
            Totals totalB = totals.get(apps.size() - 1);
            for (int i = 0; i < apps.size() - 1; i++) {
                App a = apps.get(i);
                Totals totalA = totals.get(i);
                Figures.note(a.name + ": " + totalA.describe() + "; " + b.name + ": " + totalB.describe());
                Figures.print(figuresAndApps.get(2 * i), totalA.perSecond() / totalB.perSecond(), "x");
            }
            for (int i = 0; i < apps.size(); i++) {
                Figures.print("http_requests_per_s_" + apps.get(i).figureName(), totals.get(i).perSecond(), "requests/s");
                Figures.print("http_server_cpu_ms_per_request_" + apps.get(i).figureName(),
                        totals.get(i).cpuMillisPerRequest(), "ms");
            }
            for (App app : apps) {
                Figures.print("racing_increments_kept_" + app.figureName(), race(app), "of " + RACERS);
            }
        } finally {
            for (App app : apps) {
                app.close();
            }
        }
    }

    /**
     * Segments of at most 10 s, the apps taking turns, until each had {@code seconds}; then, for each app
     * whose JIT compilers still used more than 5% ({@link #QUIET_JIT_SHARE}) of its CPU in its last segment,
     * up to {@value #MAX_EXTRA_WARM_UP_SEGMENTS} more segments of 10 s, until one is quiet (the other apps
     * idle meanwhile). Each segment's rate and JIT share in a note, the extra ones after a "+".
     */
    private void warmUp(List<App> apps, List<List<Session>> sessions, int seconds) throws InterruptedException {
        List<StringBuilder> rates = apps.stream().map(app -> new StringBuilder()).toList();
        List<StringBuilder> jit = apps.stream().map(app -> new StringBuilder()).toList();
        List<Totals> totals = apps.stream().map(app -> new Totals()).toList();
        double[] lastJitShare = new double[apps.size()];
        for (int done = 0; done < seconds; done += WARM_UP_SEGMENT_SECONDS) {
            int segment = Math.min(WARM_UP_SEGMENT_SECONDS, seconds - done);
            for (int i = 0; i < apps.size(); i++) {
                lastJitShare[i] = warmUpSegment(sessions.get(i), segment, apps.get(i), rates.get(i), jit.get(i),
                        totals.get(i));
            }
        }
        for (int i = 0; i < apps.size(); i++) {
            for (int extra = 0; extra < MAX_EXTRA_WARM_UP_SEGMENTS && lastJitShare[i] > QUIET_JIT_SHARE; extra++) {
                rates.get(i).append(extra == 0 ? " +" : "");
                jit.get(i).append(extra == 0 ? " +" : "");
                lastJitShare[i] = warmUpSegment(sessions.get(i), WARM_UP_SEGMENT_SECONDS, apps.get(i), rates.get(i),
                        jit.get(i), totals.get(i));
            }
        }
        for (int i = 0; i < apps.size(); i++) {
            Figures.note(apps.get(i).name + ": requests/s in each warm-up segment:" + rates.get(i)
                    + "; the JIT compilers' share of the app's CPU in each:" + jit.get(i) + "; requests that failed: "
                    + Failures.describe(totals.get(i).failures));
        }
    }

    /**
     * @param warmUp the app's warm-up so far, to which this segment is added
     * @return the JIT compilers' share of the app's CPU in the segment, also appended to {@code jit}
     */
    private double warmUpSegment(List<Session> sessions, int seconds, App app, StringBuilder rates, StringBuilder jit,
            Totals warmUp) throws InterruptedException {
        Totals totals = round(sessions, seconds, app);
        warmUp.add(totals);
        double jitShare = totals.share("jit");
        rates.append(' ').append(Math.round(totals.perSecond()));
        jit.append(' ').append(Math.round(100 * jitShare)).append('%');
        return jitShare;
    }

    private void racing(String figure, String spec, Path workDir) throws Exception {
        try (App app = App.start(spec, workDir)) {
            app.awaitReady(client, Duration.ofSeconds(120));
            race(app); // warm-up
            Figures.print(figure, race(app), "of " + RACERS);
        }
    }

    private List<Session> sessions(App app) {
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            sessions.add(new Session(app.base));
        }
        return sessions;
    }

    private Totals round(List<Session> sessions, int seconds, App app) throws InterruptedException {
        AtomicLong ok = new AtomicLong();
        Failures failures = new Failures();
        CountDownLatch start = new CountDownLatch(1);
        long[] end = new long[1];
        List<Thread> threads = new ArrayList<>();
        for (Session session : sessions) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    closedLoop(() -> session.increment(client), end[0], ok, failures);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "load-" + threads.size());
            thread.start();
            threads.add(thread);
        }
        long cpuBefore = app.cpuNanos();
        ThreadTicks ticksBefore = app.cpuTicks();
        long begin = System.nanoTime();
        end[0] = begin + seconds * 1_000_000_000L;
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        Totals totals = new Totals();
        totals.seconds = (System.nanoTime() - begin) / 1e9;
        totals.cpuNanos = app.cpuNanos() - cpuBefore;
        totals.ticksByGroup.putAll(ThreadTicks.between(ticksBefore, app.cpuTicks()));
        totals.ok = ok.get();
        totals.failures.putAll(failures.byKind());
        return totals;
    }

    /** One request of a simulated browser session. */
    @FunctionalInterface
    interface Request {
        /** @return the answer's status */
        int send() throws IOException, InterruptedException;
    }

    /**
     * One simulated browser session's closed loop until {@code endNanos} ({@link System#nanoTime()}): a
     * 200 counts in {@code ok}; an answer with another status and an I/O error count in {@code failures},
     * and the session goes on with its next request, so that a failure does not take it out of the rest
     * of the round (its app would lose a 64th of its load). After an I/O error it first pauses
     * {@value #PAUSE_AFTER_IO_ERROR_MILLIS} ms (at most until the round ends), so that an app that is gone
     * (its connections refused at once) does not have the sessions spin and take the cores from the other
     * apps. An answer, whatever its status, is work the app did, and the next request follows at once.
     *
     * @throws InterruptedException when the thread is interrupted (by {@code request} or in a pause)
     */
    static void closedLoop(Request request, long endNanos, AtomicLong ok, Failures failures)
            throws InterruptedException {
        while (System.nanoTime() - endNanos < 0) {
            try {
                int status = request.send();
                if (status == 200) {
                    ok.incrementAndGet();
                } else {
                    failures.add("status " + status);
                }
            } catch (IOException e) {
                failures.add(e.toString());
                TimeUnit.NANOSECONDS.sleep(pauseNanos(endNanos, System.nanoTime()));
            }
        }
    }

    /** @return how long to pause after an I/O error at {@code nowNanos}: the pause, cut short by the round's end */
    static long pauseNanos(long endNanos, long nowNanos) {
        return Math.max(0, Math.min(endNanos - nowNanos, TimeUnit.MILLISECONDS.toNanos(PAUSE_AFTER_IO_ERROR_MILLIS)));
    }

    /** Failed requests, counted by kind (a status, or an I/O error's class and message). Thread-safe. */
    static final class Failures {
        private final Map<String, LongAdder> byKind = new ConcurrentHashMap<>();

        void add(String kind) {
            byKind.computeIfAbsent(kind, k -> new LongAdder()).increment();
        }

        /** @return how many failed of each kind, kinds in alphabetical order */
        Map<String, Long> byKind() {
            Map<String, Long> counts = new TreeMap<>();
            byKind.forEach((kind, count) -> counts.put(kind, count.sum()));
            return counts;
        }

        /** @return how many failed, and of which kinds: "0 failed", "2 failed: status 503 × 2" */
        static String describe(Map<String, Long> byKind) {
            long count = byKind.values().stream().mapToLong(Long::longValue).sum();
            StringBuilder out = new StringBuilder().append(count).append(" failed");
            String separator = ": ";
            for (Map.Entry<String, Long> kind : byKind.entrySet()) {
                out.append(separator).append(kind.getKey()).append(" × ").append(kind.getValue());
                separator = ", ";
            }
            return out.toString();
        }
    }

    /** @return how many of 100 concurrent increments of one fresh browser session the app kept */
    private int race(App app) throws InterruptedException, IOException {
        Session session = new Session(app.base);
        int first = Integer.parseInt(session.incrementBody(client));
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        Failures failures = new Failures();
        for (int i = 0; i < RACERS; i++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    int status = session.increment(client);
                    if (status != 200) {
                        failures.add("status " + status);
                    }
                } catch (InterruptedException e) {
                    failures.add("interrupted");
                } catch (IOException e) {
                    failures.add(e.toString());
                }
            });
            thread.start();
            threads.add(thread);
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        int last = Integer.parseInt(session.incrementBody(client));
        int kept = last - first - 1;
        Figures.note(app.name + ": " + kept + " of " + RACERS + " racing increments kept ("
                + Failures.describe(failures.byKind()) + ")");
        return kept;
    }

    /** A browser session: a cookie jar of its own. Thread-safe (the racers share one). */
    private static final class Session {
        private final URI increment;
        private final Map<String, String> cookies = new ConcurrentHashMap<>();

        Session(URI base) {
            this.increment = base.resolve("/increment");
        }

        int increment(HttpClient client) throws IOException, InterruptedException {
            return send(client, HttpResponse.BodyHandlers.discarding()).statusCode();
        }

        String incrementBody(HttpClient client) throws IOException, InterruptedException {
            HttpResponse<String> response = send(client, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("POST /increment answered " + response.statusCode() + ": " + response.body());
            }
            return response.body().strip();
        }

        private <T> HttpResponse<T> send(HttpClient client, HttpResponse.BodyHandler<T> handler)
                throws IOException, InterruptedException {
            HttpRequest.Builder request = HttpRequest.newBuilder(increment)
                    .timeout(Duration.ofSeconds(30))
                    .header("HX-Request", "true") // the MVC sample answers such requests with the count as text
                    .POST(HttpRequest.BodyPublishers.noBody());
            if (!cookies.isEmpty()) {
                StringBuilder header = new StringBuilder();
                cookies.forEach((name, value) -> header.append(header.length() == 0 ? "" : "; ")
                        .append(name).append('=').append(value));
                request.header("Cookie", header.toString());
            }
            HttpResponse<T> response = client.send(request.build(), handler);
            for (String setCookie : response.headers().allValues("Set-Cookie")) {
                String pair = setCookie.split(";", 2)[0];
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    String value = pair.substring(eq + 1);
                    if (value.isEmpty()) {
                        cookies.remove(pair.substring(0, eq));
                    } else {
                        cookies.put(pair.substring(0, eq), value);
                    }
                }
            }
            return response;
        }
    }

    /** Requests, failures, seconds and server CPU of one or more rounds on one app. */
    static final class Totals {
        long ok;
        /** Failed requests by kind ({@link Failures#byKind()}). */
        final Map<String, Long> failures = new TreeMap<>();
        double seconds;
        long cpuNanos;
        final Map<String, Long> ticksByGroup = new TreeMap<>();

        void add(Totals other) {
            other.ticksByGroup.forEach((group, ticks) -> ticksByGroup.merge(group, ticks, Long::sum));
            other.failures.forEach((kind, count) -> failures.merge(kind, count, Long::sum));
            ok += other.ok;
            seconds += other.seconds;
            cpuNanos += other.cpuNanos;
        }

        double perSecond() {
            return ok / seconds;
        }

        /** @return the thread group's share of the app's CPU ticks (0 when they are not known) */
        double share(String group) {
            return ThreadTicks.share(ticksByGroup, group);
        }

        double cpuMillisPerRequest() {
            return cpuNanos / 1e6 / Math.max(1, ok);
        }

        String describe() {
            return ok + " requests in " + Figures.format(seconds) + " s (" + Failures.describe(failures) + "), "
                    + Figures.format(cpuNanos / 1e9) + " s server CPU" + byGroup();
        }

        /** @return the server CPU per request by thread group, from the threads' clock ticks (10 ms each) */
        private String byGroup() {
            if (ticksByGroup.isEmpty()) {
                return "";
            }
            StringBuilder out = new StringBuilder(" (ms per request:");
            ticksByGroup.forEach((group, ticks) -> out.append(' ').append(group).append(' ')
                    .append(Figures.format(ticks * 10.0 / Math.max(1, ok))));
            return out.append(')').toString();
        }
    }
}
