package dev.durablestash.sample.counter;

import static dev.durablestash.sample.counter.Visitor.form;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.durablestash.testsupport.ExpectedLogs;

/**
 * A counter sample on S3 when the store stalls: the app runs with {@code durable-stash.storage.type=s3}
 * (the AWS SDK is on the sample's classpath) against a TCP server on 127.0.0.1 that accepts
 * connections and never answers, with a 2 s {@code durable-stash.operation-timeout}. Requests must
 * end within the deadline (plus a margin for a loaded machine), and sessions must not hold each
 * other up.
 *
 * <p>Only loopback is contacted: the endpoint is {@code 127.0.0.1} with path-style addressing (no
 * host name to resolve), the region is set, and the credentials come from the AWS SDK's system
 * properties, so its default credentials chain stops there and never asks an instance metadata
 * service (which is switched off as well).
 *
 * <p>Each sample runs this suite with a concrete subclass that names its application class
 * ({@link SampleUnderTest}).
 */
abstract class CounterStorageOutageEndToEndSuite {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "io.netty");

    static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(2);
    static final Duration MARGIN = Duration.ofMillis(1500);
    /** Below the S3 client's own API call timeout (half the operation timeout), which would answer first. */
    static final Duration HEALTH_TIMEOUT = Duration.ofMillis(500);

    /** Stashes of different sessions pending at once: if they were served one after another, a page would wait for all. */
    static final int PENDING_STASHES = 4;

    private static final Duration WARM_UP_LIMIT = Duration.ofSeconds(30);

    private static final String SECRET = "outage-test-secret-0123456789abcdef";

    private static final Map<String, String> AWS_SYSTEM_PROPERTIES = Map.of(
            "aws.accessKeyId", "test-access-key",
            "aws.secretAccessKey", "test-secret-key",
            "aws.disableEc2Metadata", "true");

    private static final Map<String, String> previousSystemProperties = new HashMap<>();

    @BeforeAll
    static void useLocalCredentials() {
        AWS_SYSTEM_PROPERTIES.forEach((name, value) -> previousSystemProperties.put(name, System.setProperty(name, value)));
    }

    @AfterAll
    static void restoreSystemProperties() {
        previousSystemProperties.forEach((name, previous) -> {
            if (previous == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, previous);
            }
        });
    }

    /** A response and how long it took. */
    record Timed(HttpResponse<String> response, Duration elapsed) {
    }

    @Test
    void withAStalledStoreStashesAnswer503WithinTheDeadlineAndAnotherSessionsPageStillRenders(TestInfo test)
            throws Exception {
        logs.expect(Level.WARN, "recover failed, the view keeps its defaults")
                .expect(Level.WARN, "Stash of view 'CounterController' failed, answering 503 to POST /increment")
                // The AWS SDK's Netty client, about calls it gave up on and cancelled on their connection.
                .allow(Level.WARN, "An exception");
        ExecutorService browsers = Executors.newFixedThreadPool(PENDING_STASHES);
        try (UnansweringServer store = UnansweringServer.start(64, Duration.ofMinutes(10));
                SampleApp app = SampleApp.startWith(SampleApp.applicationOf(test.getTestClass().orElseThrow()), List.of(
                        "durable-stash.storage.type=s3",
                        "durable-stash.storage.s3.bucket=sample-sessions",
                        "durable-stash.storage.s3.endpoint=" + store.endpoint(),
                        "durable-stash.storage.s3.region=us-east-1",
                        "durable-stash.storage.s3.path-style-access=true",
                        // The store check at startup would only wait for the stalled store and warn.
                        "durable-stash.storage.s3.store-check=off",
                        "durable-stash.secret=" + SECRET,
                        "durable-stash.operation-timeout=" + OPERATION_TIMEOUT.toMillis() + "ms",
                        "management.health.durable-stash.timeout=" + HEALTH_TIMEOUT.toMillis() + "ms"))) {
            // A browser session of its own: a new one's first page reads nothing from the store.
            Visitor other = new Visitor(app);
            assertThat(Visitor.ok(other.get("/")).body()).contains("<code id=\"recovery\">NOT_FOUND</code>");
            warmUpUntilTheStoreIsReached(other, store);
            int warmUpConnections = store.connections();

            List<Future<Timed>> stashes = new ArrayList<>();
            for (int i = 0; i < PENDING_STASHES; i++) {
                Visitor visitor = new Visitor(app);
                stashes.add(browsers.submit(() -> timed(() -> visitor.post("/increment", form()))));
            }
            awaitConnections(store, warmUpConnections + PENDING_STASHES);
            assertThat(stashes).as("stashes pending when the other session's page is asked for")
                    .noneMatch(Future::isDone);

            Timed page = timed(() -> other.get("/"));
            assertThat(page.response().statusCode()).isEqualTo(200);
            assertThat(page.response().body()).contains("<span id=\"count\">0</span>")
                    .contains("<code id=\"recovery\">ERROR</code>");
            assertThat(page.elapsed()).as("the other session's page").isLessThan(OPERATION_TIMEOUT.plus(MARGIN));

            List<Long> stashMillis = new ArrayList<>();
            for (Future<Timed> stash : stashes) {
                Timed answered = stash.get(OPERATION_TIMEOUT.plus(MARGIN).toMillis() * 2, TimeUnit.MILLISECONDS);
                assertThat(answered.response().statusCode()).as("a stash that could not be written").isEqualTo(503);
                assertThat(answered.elapsed()).as("the stash's answer").isLessThan(OPERATION_TIMEOUT.plus(MARGIN));
                stashMillis.add(answered.elapsed().toMillis());
            }
            Timed health = timed(() -> new Visitor(app).get("/actuator/health"));
            assertThat(health.response().statusCode()).as("the health endpoint").isEqualTo(503);
            JsonNode storage = JsonMapper.shared().readTree(health.response().body()).at("/components/durableStash");
            assertThat(storage.at("/status").asString()).isEqualTo("DOWN");
            assertThat(storage.at("/details/error").asString())
                    .isEqualTo("no answer within " + HEALTH_TIMEOUT.toMillis() + "ms");
            assertThat(health.elapsed()).as("the health endpoint's answer").isLessThan(HEALTH_TIMEOUT.plus(MARGIN));

            System.out.printf("Stalled store, %d ms operation timeout: %d stashes answered 503 after %s ms; "
                    + "another session's page rendered (recovery ERROR) after %d ms; /actuator/health answered 503 "
                    + "(storage DOWN) after %d ms (health timeout %d ms)%n", OPERATION_TIMEOUT.toMillis(),
                    PENDING_STASHES, stashMillis, page.elapsed().toMillis(), health.elapsed().toMillis(),
                    HEALTH_TIMEOUT.toMillis());
        } finally {
            browsers.shutdownNow();
        }
    }

    private static Timed timed(Supplier<HttpResponse<String>> request) {
        long start = System.nanoTime();
        HttpResponse<String> response = request.get();
        return new Timed(response, Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * Warms up (first request, template, S3 client): the margin is for a loaded machine, not for
     * start-up. On a busy machine the SDK's first call can spend its whole deadline loading classes
     * before it connects, so pages are asked for until one of their storage calls reached the store.
     */
    private static void warmUpUntilTheStoreIsReached(Visitor visitor, UnansweringServer store) {
        long giveUp = System.nanoTime() + WARM_UP_LIMIT.toNanos();
        do {
            assertThat(Visitor.ok(visitor.get("/")).body()).contains("<code id=\"recovery\">ERROR</code>");
        } while (store.connections() == 0 && System.nanoTime() < giveUp);
        assertThat(store.connections()).as("connections the stalled store accepted while warming up").isPositive();
    }

    /** Waits (bounded by the deadline) until the pending requests' storage calls reached the store. */
    private static void awaitConnections(UnansweringServer store, int connections) throws InterruptedException {
        long giveUp = System.nanoTime() + OPERATION_TIMEOUT.toNanos();
        while (store.connections() < connections && System.nanoTime() < giveUp) {
            Thread.sleep(10);
        }
        assertThat(store.connections()).as("connections the stalled store accepted").isGreaterThanOrEqualTo(connections);
    }
}
