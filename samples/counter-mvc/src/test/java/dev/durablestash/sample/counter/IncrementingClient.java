package dev.durablestash.sample.counter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One browser (its own cookie jar) that increments the sample's counter in a loop, one request at a
 * time, as a script request ({@code HX-Request}, answered with the new count in plain text) that
 * rejoins the page ({@code X-Stash-Mounts: 1}), and logs every attempt on the client side: each
 * acknowledged increment (a 200 answer) with the count it shows, each attempt whose outcome it cannot
 * know (no answer, or an error status: it may have been stored), and each connection refused (never
 * sent). Requests go to the given instances in turn. Run it on a thread of its own; {@link #stop()}
 * ends the loop after the request in flight.
 */
final class IncrementingClient implements Runnable {

    private static final Pattern COUNT = Pattern.compile("<span id=\"count\">(-?\\d+)</span>");
    private static final Duration RETRY_PAUSE = Duration.ofMillis(20);

    /** What became of one attempt: a status, or {@link #REFUSED} / {@link #NO_ANSWER}. */
    record Attempt(long startNanos, long endNanos, int status, String detail) {
        static final int REFUSED = -1;
        static final int NO_ANSWER = -2;
    }

    /** An acknowledged increment: the count the answer showed, and the attempts in doubt since the previous one. */
    record Ack(int count, int inDoubtBefore) {
    }

    /** The check of the client's log against the count stored at the end. */
    record Verdict(int acknowledged, int inDoubt, int extra, List<String> problems) {
    }

    private final String name;
    private final List<SampleProcess> instances;
    private final HttpClient client;
    private final List<Ack> acks = new CopyOnWriteArrayList<>();
    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private final AtomicInteger acknowledged = new AtomicInteger();
    private volatile boolean stopped;
    /** {@link System#nanoTime()} when the request in flight was sent, 0 when none is. */
    private volatile long inFlightSince;
    private int inDoubtSinceAck;

    IncrementingClient(String name, List<SampleProcess> instances) {
        this.name = name;
        this.instances = List.copyOf(instances);
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    @Override
    public void run() {
        for (int i = 0; !stopped; i++) {
            SampleProcess instance = instances.get(i % instances.size());
            HttpRequest request = HttpRequest.newBuilder(instance.uri("/increment"))
                    .timeout(Duration.ofSeconds(60))
                    .header("HX-Request", "true")
                    .header("X-Stash-Mounts", "1")
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build();
            long start = System.nanoTime();
            inFlightSince = start;
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                attempts.add(new Attempt(start, System.nanoTime(), response.statusCode(), ""));
                if (response.statusCode() == 200) {
                    acks.add(new Ack(Integer.parseInt(response.body().strip()), inDoubtSinceAck));
                    inDoubtSinceAck = 0;
                    acknowledged.incrementAndGet();
                } else {
                    inDoubtSinceAck++; // a failed stash may still have been written (see operation-timeout)
                    pause();
                }
            } catch (ConnectException e) {
                attempts.add(new Attempt(start, System.nanoTime(), Attempt.REFUSED, e.toString()));
                pause();
            } catch (IOException e) {
                attempts.add(new Attempt(start, System.nanoTime(), Attempt.NO_ANSWER, e.toString()));
                inDoubtSinceAck++;
                pause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                inFlightSince = 0;
            }
        }
    }

    void stop() {
        stopped = true;
    }

    String name() {
        return name;
    }

    /** @return increments acknowledged so far (thread-safe) */
    int acknowledged() {
        return acknowledged.get();
    }

    /**
     * @param age how long
     * @return whether a request of this client has been in flight for at least {@code age} (thread-safe)
     */
    boolean inFlightFor(Duration age) {
        long since = inFlightSince;
        return since != 0 && System.nanoTime() - since >= age.toNanos();
    }

    /** @return every attempt so far, in order */
    List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    /** @return the count a fresh {@code GET /} of {@code instance} shows to this browser */
    int storedCount(SampleProcess instance) {
        HttpRequest request = HttpRequest.newBuilder(instance.uri("/")).timeout(Duration.ofSeconds(60)).GET().build();
        try {
            HttpResponse<String> page = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            Matcher count = COUNT.matcher(page.body());
            if (page.statusCode() != 200 || !count.find()) {
                throw new AssertionError(name + ": GET / answered " + page.statusCode() + ":\n" + page.body());
            }
            return Integer.parseInt(count.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": GET /", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Checks the log against the stored count (call after the loop ended): each acknowledged count is
     * above the one before by one plus at most the attempts in doubt between them (an acknowledged
     * increment that was lost would show a count that does not go up), and the stored count is the last
     * acknowledged one plus at most the attempts in doubt since.
     *
     * @param stored the count stored at the end
     */
    Verdict verdict(int stored) {
        List<String> problems = new ArrayList<>();
        int previous = 0;
        int extra = 0;
        int inDoubt = 0;
        for (Ack ack : acks) {
            int gap = ack.count() - previous - 1;
            inDoubt += ack.inDoubtBefore();
            if (gap < 0) {
                problems.add(name + ": acknowledged count " + ack.count() + " after " + previous + ": " + (-gap)
                        + " acknowledged increment(s) lost");
            } else if (gap > ack.inDoubtBefore()) {
                problems.add(name + ": count " + ack.count() + " after " + previous + " with only " + ack.inDoubtBefore()
                        + " attempt(s) in doubt between them");
            }
            extra += Math.max(0, gap);
            previous = ack.count();
        }
        inDoubt += inDoubtSinceAck;
        int gap = stored - previous;
        if (gap < 0) {
            problems.add(name + ": stored count " + stored + " below the last acknowledged " + previous);
        } else if (gap > inDoubtSinceAck) {
            problems.add(name + ": stored count " + stored + " after the last acknowledged " + previous + " with only "
                    + inDoubtSinceAck + " attempt(s) in doubt since");
        }
        extra += Math.max(0, gap);
        return new Verdict(acks.size(), inDoubt, extra, problems);
    }

    private static void pause() {
        try {
            Thread.sleep(RETRY_PAUSE.toMillis()); // between retries of an instance that is down
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
