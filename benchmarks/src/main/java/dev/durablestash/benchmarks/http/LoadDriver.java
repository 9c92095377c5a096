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
import java.util.concurrent.atomic.AtomicLong;

import dev.durablestash.benchmarks.Figures;

/**
 * The load driver for whole-app figures. Each simulated browser session is a thread with a cookie jar
 * of its own, sending {@code POST /increment} and waiting for each answer (a closed loop, as a browser
 * would).
 *
 * <ul>
 *   <li>{@code compare FIGURE APP_A APP_B [SECONDS]}: starts both apps, then alternates rounds of
 *       SECONDS (default 3) of 64 concurrent sessions on A and on B (A B B A A B B A, after a warm-up
 *       round each of ten times SECONDS, or {@code -Dbench.warmup.seconds}), and prints FIGURE = A's
 *       requests/s ÷ B's, each app's requests/s and server CPU per request, then
 *       {@code racing_increments_kept_APP} for each. The warm-up is long because on two cores the JIT
 *       compiles an app's request path for about half a minute of this load (perf showed a quarter of
 *       the CPU in the interpreter after 20 s); rounds right after start-up measured compilation more than
 *       the apps, and weighed most on the app with the most code to compile;</li>
 *   <li>{@code racing FIGURE APP}: starts the app and prints FIGURE = how many of 100 concurrent
 *       increments of one browser session it kept.</li>
 * </ul>
 *
 * <p>Apps are named as {@link App} says. Logs go to {@code target/bench/NAME.log}.
 */
public final class LoadDriver {

    private static final int SESSIONS = Integer.getInteger("bench.sessions", 64);
    private static final int RACERS = 100;

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
            case "compare" -> driver.compare(args[1], args[2], args[3],
                    args.length > 4 ? Integer.parseInt(args[4]) : 3, workDir);
            case "racing" -> driver.racing(args[1], args[2], workDir);
            default -> throw new IllegalArgumentException("compare or racing, not " + args[0]);
        }
        System.exit(0);
    }

    private void compare(String figure, String specA, String specB, int seconds, Path workDir) throws Exception {
        try (App a = App.start(specA, workDir); App b = App.start(specB, workDir)) {
            a.awaitReady(client, Duration.ofSeconds(120));
            b.awaitReady(client, Duration.ofSeconds(120));
            List<Session> sessionsA = sessions(a);
            List<Session> sessionsB = sessions(b);
            int warmup = Integer.getInteger("bench.warmup.seconds", 10 * seconds);
            round(sessionsA, warmup, a);
            round(sessionsB, warmup, b);
            Totals totalA = new Totals();
            Totals totalB = new Totals();
            for (int r = 0; r < 4; r++) {
                boolean aFirst = r % 2 == 0;
                if (aFirst) {
                    totalA.add(round(sessionsA, seconds, a));
                }
                totalB.add(round(sessionsB, seconds, b));
                if (!aFirst) {
                    totalA.add(round(sessionsA, seconds, a));
                }
            }
            Figures.note(a.name + ": " + totalA.describe() + "; " + b.name + ": " + totalB.describe());
            Figures.print(figure, totalA.perSecond() / totalB.perSecond(), "x");
            Figures.print("http_requests_per_s_" + a.figureName(), totalA.perSecond(), "requests/s");
            Figures.print("http_requests_per_s_" + b.figureName(), totalB.perSecond(), "requests/s");
            Figures.print("http_server_cpu_ms_per_request_" + a.figureName(), totalA.cpuMillisPerRequest(), "ms");
            Figures.print("http_server_cpu_ms_per_request_" + b.figureName(), totalB.cpuMillisPerRequest(), "ms");
            Figures.print("racing_increments_kept_" + a.figureName(), race(a), "of " + RACERS);
            Figures.print("racing_increments_kept_" + b.figureName(), race(b), "of " + RACERS);
        }
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
        AtomicLong failed = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        long[] end = new long[1];
        List<Thread> threads = new ArrayList<>();
        for (Session session : sessions) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    while (System.nanoTime() < end[0]) {
                        if (session.increment(client) == 200) {
                            ok.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (IOException e) {
                    failed.incrementAndGet();
                }
            }, "load-" + threads.size());
            thread.start();
            threads.add(thread);
        }
        long cpuBefore = app.cpuNanos();
        Map<String, Long> ticksBefore = app.cpuTicksByThreadGroup();
        long begin = System.nanoTime();
        end[0] = begin + seconds * 1_000_000_000L;
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        Totals totals = new Totals();
        totals.seconds = (System.nanoTime() - begin) / 1e9;
        totals.cpuNanos = app.cpuNanos() - cpuBefore;
        app.cpuTicksByThreadGroup().forEach((group, ticks) ->
                totals.ticksByGroup.merge(group, ticks - ticksBefore.getOrDefault(group, 0L), Long::sum));
        totals.ok = ok.get();
        totals.failed = failed.get();
        return totals;
    }

    /** @return how many of 100 concurrent increments of one fresh browser session the app kept */
    private int race(App app) throws InterruptedException, IOException {
        Session session = new Session(app.base);
        int first = Integer.parseInt(session.incrementBody(client));
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        AtomicLong failed = new AtomicLong();
        for (int i = 0; i < RACERS; i++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    if (session.increment(client) != 200) {
                        failed.incrementAndGet();
                    }
                } catch (InterruptedException | IOException e) {
                    failed.incrementAndGet();
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
        Figures.note(app.name + ": " + kept + " of " + RACERS + " racing increments kept (" + failed.get() + " failed)");
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
    private static final class Totals {
        long ok;
        long failed;
        double seconds;
        long cpuNanos;
        final Map<String, Long> ticksByGroup = new TreeMap<>();

        void add(Totals other) {
            other.ticksByGroup.forEach((group, ticks) -> ticksByGroup.merge(group, ticks, Long::sum));
            ok += other.ok;
            failed += other.failed;
            seconds += other.seconds;
            cpuNanos += other.cpuNanos;
        }

        double perSecond() {
            return ok / seconds;
        }

        double cpuMillisPerRequest() {
            return cpuNanos / 1e6 / Math.max(1, ok);
        }

        String describe() {
            return ok + " requests in " + Figures.format(seconds) + " s (" + failed + " failed), "
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
