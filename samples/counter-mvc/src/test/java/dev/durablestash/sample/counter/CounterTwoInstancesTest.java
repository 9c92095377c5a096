package dev.durablestash.sample.counter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.storage.s3.InProcessS3Server;

/**
 * Two instances of the MVC sample, in child JVMs on two ports, sharing one bucket (of the in-process S3
 * test server) and one secret, with no sticky sessions: each browser's tabs write different keys of the
 * one view at the same time (one increments the count, one sets the username, one saves the draft),
 * every tab alternating its requests between the two instances. Nothing may be clobbered: the count is
 * exactly the number of increments (each answer one more than the last, so every increment saw the one
 * before, whichever instance made it), and the username and the draft are the last ones written; both
 * instances show the same. The compare-and-swap conflicts the instances met (and resolved by re-reading,
 * merging per key and retrying) are read from their {@code /actuator/metrics} and printed.
 *
 * <p>The instances get a bucket and a secret and no {@code durable-stash.storage.type}: that alone runs
 * the sample on S3 (its page shows the bucket).
 */
class CounterTwoInstancesTest {

    static final int BROWSERS = 3;
    static final int WRITES_PER_TAB = 30;

    private static final Pattern COUNT = Pattern.compile("<span id=\"count\">(-?\\d+)</span>");
    private static final Pattern USERNAME = Pattern.compile("<strong id=\"username\">([^<]*)</strong>");
    private static final Pattern DRAFT = Pattern.compile("<textarea id=\"draft\"[^>]*>([^<]*)</textarea>");
    private static final Pattern METRIC_VALUE = Pattern.compile("\"statistic\"\\s*:\\s*\"COUNT\"\\s*,\\s*\"value\"\\s*:\\s*([0-9.E+-]+)");

    @RegisterExtension
    final SampleProcesses processes = new SampleProcesses();

    @Test
    void tabsWritingDifferentKeysThroughTwoInstancesClobberNothing() throws Exception {
        String bucket = InProcessS3Server.createBucket("two-instances");
        List<String> storage = SampleStorage.s3(bucket);
        List<SampleProcess> instances = List.of(processes.start("instance-a", storage),
                processes.start("instance-b", storage));

        List<Browser> browsers = new ArrayList<>();
        for (int i = 0; i < BROWSERS; i++) {
            Browser browser = new Browser();
            String page = browser.send(browser.get(instances.get(i % 2), "/")).body(); // the sid, before the tabs
            assertThat(page).as("the page names the storage").contains("s3://" + bucket + "/");
            browsers.add(browser);
        }

        ExecutorService tabs = Executors.newFixedThreadPool(BROWSERS * 3);
        List<Future<List<Integer>>> counts = new ArrayList<>();
        List<Future<?>> others = new ArrayList<>();
        try {
            for (Browser browser : browsers) {
                counts.add(tabs.submit(() -> incrementTab(browser, instances, 0)));
                others.add(tabs.submit(() -> usernameTab(browser, instances, 1)));
                others.add(tabs.submit(() -> draftTab(browser, instances, 0)));
            }
            for (Future<?> other : others) {
                other.get();
            }
            for (int i = 0; i < BROWSERS; i++) {
                List<Integer> expected = new ArrayList<>();
                for (int n = 1; n <= WRITES_PER_TAB; n++) {
                    expected.add(n);
                }
                assertThat(counts.get(i).get()).as("counts answered to browser %d's increments", i + 1)
                        .isEqualTo(expected);
            }
        } finally {
            tabs.shutdownNow();
        }

        for (Browser browser : browsers) {
            for (SampleProcess instance : instances) {
                // The draft first: a fresh GET / would clear it (RECONNECT scope), so every read is a rejoin.
                assertThat(browser.draft(instance)).as("draft on %s", instance.name()).isEqualTo("draft " + WRITES_PER_TAB);
                String page = browser.send(browser.get(instance, "/?_mounts=1")).body();
                assertThat(find(COUNT, page)).as("count on %s", instance.name()).isEqualTo(Integer.toString(WRITES_PER_TAB));
                assertThat(find(USERNAME, page)).as("username on %s", instance.name()).isEqualTo("user " + WRITES_PER_TAB);
            }
        }

        long conflicts = 0;
        long puts = 0;
        long acknowledged = 0;
        List<String> perInstance = new ArrayList<>();
        for (SampleProcess instance : instances) {
            long instanceConflicts = metric(instance, "durable.stash.storage.conflicts");
            conflicts += instanceConflicts;
            puts += metric(instance, "durable.stash.storage.requests?tag=operation:put");
            acknowledged += metric(instance, "durable.stash.stashes?tag=result:acknowledged");
            perInstance.add(instance.name() + " " + instanceConflicts);
        }
        int writes = BROWSERS * 3 * WRITES_PER_TAB;
        System.out.printf("Two instances, no sticky sessions (S3): %d browsers x 3 tabs x %d writes alternating between 2 "
                + "instances: %d acknowledged stashes, 0 clobbered, %d CAS conflicts resolved (%s), %d PUTs%n",
                BROWSERS, WRITES_PER_TAB, acknowledged, conflicts, String.join(", ", perInstance), puts);
        assertThat(acknowledged).as("acknowledged stashes (the instances' metrics)").isGreaterThanOrEqualTo(writes);
        // Without a conflict the instances never raced, and nothing above proved the merge.
        assertThat(conflicts).as("compare-and-swap conflicts met by the instances").isPositive();
    }

    /** Increments, alternating between the instances; returns the counts answered. */
    private static List<Integer> incrementTab(Browser browser, List<SampleProcess> instances, int first) {
        List<Integer> answered = new ArrayList<>();
        for (int n = 0; n < WRITES_PER_TAB; n++) {
            HttpResponse<String> response = browser.send(browser.post(instances.get((first + n) % 2), "/increment", "")
                    .header("HX-Request", "true").build());
            assertThat(response.statusCode()).as("increment answer: %s", response.body()).isEqualTo(200);
            answered.add(Integer.parseInt(response.body().strip()));
        }
        return answered;
    }

    private static Void usernameTab(Browser browser, List<SampleProcess> instances, int first) {
        for (int n = 1; n <= WRITES_PER_TAB; n++) {
            HttpResponse<String> response = browser.send(browser.post(instances.get((first + n) % 2), "/username",
                    "username=" + encode("user " + n)).build());
            assertThat(response.statusCode()).as("username answer: %s", response.body()).isEqualTo(302);
        }
        return null;
    }

    private static Void draftTab(Browser browser, List<SampleProcess> instances, int first) {
        for (int n = 1; n <= WRITES_PER_TAB; n++) {
            HttpResponse<String> response = browser.send(browser.post(instances.get((first + n) % 2), "/compose/draft",
                    "draft=" + encode("draft " + n)).header("HX-Request", "true").build());
            assertThat(response.statusCode()).as("draft answer: %s", response.body()).isEqualTo(200);
        }
        return null;
    }

    private static long metric(SampleProcess instance, String nameAndTags) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(instance.uri("/actuator/metrics/" + nameAndTags))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("/actuator/metrics/%s: %s", nameAndTags, response.body()).isEqualTo(200);
            return Math.round(Double.parseDouble(find(METRIC_VALUE, response.body())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String find(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        if (!matcher.find()) {
            throw new AssertionError("no match for " + pattern + " in:\n" + text);
        }
        return matcher.group(1);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** One browser: one cookie jar, shared by its tabs (threads); every request is a rejoin of the page. */
    private static final class Browser {

        private final HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();

        HttpRequest get(SampleProcess instance, String pathAndQuery) {
            return HttpRequest.newBuilder(instance.uri(pathAndQuery)).timeout(Duration.ofSeconds(60)).GET().build();
        }

        HttpRequest.Builder post(SampleProcess instance, String path, String form) {
            return HttpRequest.newBuilder(instance.uri(path)).timeout(Duration.ofSeconds(60))
                    .header("X-Stash-Mounts", "1")
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form));
        }

        String draft(SampleProcess instance) {
            return find(DRAFT, send(get(instance, "/compose?_mounts=1")).body());
        }

        HttpResponse<String> send(HttpRequest request) {
            try {
                return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(request.method() + " " + request.uri(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
