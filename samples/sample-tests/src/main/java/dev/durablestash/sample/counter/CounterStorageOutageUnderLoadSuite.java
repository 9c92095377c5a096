package dev.durablestash.sample.counter;

import static dev.durablestash.sample.counter.Visitor.form;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import ch.qos.logback.classic.Level;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.storage.s3.AtomicConditionalBlobStore;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * A counter sample on S3 (the in-process S3 test server, S3Proxy, with conditional writes made atomic
 * as on AWS S3 by {@link AtomicConditionalBlobStore}) through a storage outage under
 * load: {@value #CLIENTS} browser sessions increment their counters all the time and keep a log of
 * the increments the app acknowledged (HTTP 200); the store goes away and comes back, twice, with no
 * restart of the app: the server <em>stopped</em> for {@link #OUTAGE} (connections refused) and
 * started again on the same port, then a store that <em>stalls</em> for {@link #STALL} (accepts
 * connections and requests and answers none, {@link StallingBlobStore}) and then answers again. Each
 * time:
 *
 * <ul>
 * <li>stashes fail with 503 within the operation timeout (plus a margin for a loaded machine);</li>
 * <li>a page recovered during the outage reports {@code ERROR} and renders the defaults, and a change
 *     made after that {@code ERROR} recovery is refused (503), never stashed over the stored state;</li>
 * <li>{@code /actuator/health} goes {@code DOWN}, and {@code UP} again by itself;</li>
 * <li>the app recovers by itself: every session's increments succeed again, with no restart;</li>
 * <li>nothing acknowledged is lost: each counter ends at least at its acknowledged increments, and
 *     above them by no more than the increments that were answered with a failure (a write whose
 *     answer was lost may still have landed).</li>
 * </ul>
 *
 * <p>Each sample runs this suite with a concrete subclass that names its application class
 * ({@link SampleUnderTest}). The figures are printed.
 */
abstract class CounterStorageOutageUnderLoadSuite {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "io.netty", "software.amazon.awssdk",
            "org.gaul", "org.eclipse.jetty");

    static final int CLIENTS = 4;
    /** How long the S3 server is stopped. */
    static final Duration OUTAGE = Duration.ofSeconds(10);
    /** How long the store stalls: three operation timeouts, shorter than {@link #OUTAGE} to keep the build short. */
    static final Duration STALL = Duration.ofSeconds(6);
    static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(2);
    static final Duration MARGIN = Duration.ofMillis(1500);
    /** Below the S3 client's own API call timeout (half the operation timeout), which would answer first. */
    static final Duration HEALTH_TIMEOUT = Duration.ofMillis(500);
    /** How long the app may take to be healthy and serve every session again once the store is back. */
    static final Duration RECOVERY_LIMIT = Duration.ofSeconds(20);
    private static final Duration WARM_UP_LIMIT = Duration.ofSeconds(30);

    private static final String BUCKET = "sample-sessions";
    private static final String ACCESS_KEY = "outage-access-key";
    private static final String SECRET_KEY = "outage-secret-key";
    private static final String SECRET = "outage-load-test-secret-0123456789abcdef";

    private static final Map<String, String> AWS_SYSTEM_PROPERTIES = Map.of(
            "aws.accessKeyId", ACCESS_KEY,
            "aws.secretAccessKey", SECRET_KEY,
            "aws.disableEc2Metadata", "true");

    private static final Map<String, @Nullable String> previousSystemProperties = new HashMap<>();

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

    /** What a way of taking the store away does. */
    interface Outage {
        void begin() throws Exception;

        void end() throws Exception;
    }

    @Test
    void theS3ServerStoppedAndThenAStalledStoreUnderLoadLoseNothingAcknowledgedAndTheAppRecoversByItself(TestInfo test)
            throws Exception {
        logs.allow(Level.WARN, "") // the SDK, Netty and the S3 server, about connections refused, cut or cancelled
                .allow(Level.ERROR, "")
                .expect(Level.WARN, "recover failed, the view keeps its defaults")
                .expect(Level.WARN, "could not be recovered (storage error)");
        // Conditional writes atomic, as on S3: S3Proxy checks If-Match before it writes, so a PUT held by the
        // stall could pass its check, then land over later acknowledged writes when the store resumes.
        StallingBlobStore blobs = new StallingBlobStore(new AtomicConditionalBlobStore(new TransientNio2BlobStore()));
        blobs.createContainer(BUCKET);
        S3Proxy[] server = {startServer(blobs, 0)};
        int port = server[0].getPort();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        Load load = new Load();
        try (SampleApp app = SampleApp.startWith(SampleApp.applicationOf(test.getTestClass().orElseThrow()), List.of(
                "durable-stash.storage.type=s3",
                "durable-stash.storage.s3.bucket=" + BUCKET,
                "durable-stash.storage.s3.endpoint=http://127.0.0.1:" + port,
                "durable-stash.storage.s3.region=us-east-1",
                "durable-stash.storage.s3.path-style-access=true",
                "durable-stash.secret=" + SECRET,
                "durable-stash.operation-timeout=" + OPERATION_TIMEOUT.toMillis() + "ms",
                "management.health.durable-stash.timeout=" + HEALTH_TIMEOUT.toMillis() + "ms"))) {
            List<Visitor> visitors = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Visitor visitor = new Visitor(app);
                ClientLog log = new ClientLog();
                warmUp(visitor, log);
                visitors.add(visitor);
                load.logs.add(log);
            }
            // A session that stashed before the outages and is looked at during them.
            Visitor reader = new Visitor(app);
            ClientLog readerLog = new ClientLog();
            warmUp(reader, readerLog);
            warmUp(reader, readerLog);
            int readerCount = reader.count();
            assertThat((long) readerCount).isBetween(readerLog.acknowledged.get(),
                    readerLog.acknowledged.get() + readerLog.failed.get());
            Visitor probe = new Visitor(app); // sets no cookie: /actuator/health mounts no view
            assertThat(health(probe)).isEqualTo(200);

            CountDownLatch loadRunning = new CountDownLatch(CLIENTS);
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Visitor visitor = visitors.get(i);
                ClientLog log = load.logs.get(i);
                running.add(clients.submit(() -> incrementUntilStopped(visitor, log, load, loadRunning)));
            }
            assertThat(loadRunning.await(30, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(1_000);

            String stopped = outage(load, reader, probe, "S3 server stopped", OUTAGE, new Outage() {
                @Override
                public void begin() throws Exception {
                    server[0].stop();
                }

                @Override
                public void end() throws Exception {
                    server[0] = startServer(blobs, port);
                }
            });
            String stalled = outage(load, reader, probe, "store stalled", STALL, new Outage() {
                @Override
                public void begin() {
                    blobs.stall();
                }

                @Override
                public void end() {
                    blobs.resume();
                }
            });
            load.running.set(false);
            for (Future<?> client : running) {
                client.get(OPERATION_TIMEOUT.plus(MARGIN).toMillis() * 2, TimeUnit.MILLISECONDS);
            }

            List<String> found = new ArrayList<>();
            long acknowledged = 0;
            long failed = 0;
            for (int i = 0; i < CLIENTS; i++) {
                ClientLog log = load.logs.get(i);
                assertThat(log.unexpected).as("answers other than 200 and 503").isEmpty();
                int count = visitors.get(i).count();
                assertThat((long) count).as("client %d's counter (acknowledged %d, failed %d)", i,
                        log.acknowledged.get(), log.failed.get())
                        .isGreaterThanOrEqualTo(log.acknowledged.get())
                        .isLessThanOrEqualTo(log.acknowledged.get() + log.failed.get());
                found.add(count + "/" + log.acknowledged.get());
                acknowledged += log.acknowledged.get();
                failed += log.failed.get();
            }
            assertThat(reader.count()).as("the session whose changes after ERROR recoveries were refused")
                    .isEqualTo(readerCount);
            System.out.printf("Storage outages under load (%d clients, %d ms operation timeout): %s; %s; in all %d "
                    + "acknowledged, %d answered 503; counters found/acknowledged %s (none lost)%n", CLIENTS,
                    OPERATION_TIMEOUT.toMillis(), stopped, stalled, acknowledged, failed, found);
        } finally {
            load.running.set(false);
            blobs.resume();
            clients.shutdownNow();
            server[0].stop();
        }
    }

    /** What the clients share: their logs, and whether they keep going. */
    static final class Load {
        final List<ClientLog> logs = new CopyOnWriteArrayList<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        /** Set once the store is back: 200s from then on count as served after the outage. */
        final AtomicBoolean recovered = new AtomicBoolean(false);
    }

    /** One client's log: what it asked for and what it was told. */
    static final class ClientLog {
        final AtomicLong acknowledged = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong acknowledgedAfterRecovery = new AtomicLong();
        final List<Long> failureMillis = new CopyOnWriteArrayList<>();
        final List<String> unexpected = new CopyOnWriteArrayList<>();
    }

    /**
     * Runs one outage under the running load and checks what it must show.
     *
     * @return its figures, for the printed line
     */
    private static String outage(Load load, Visitor reader, Visitor probe, String kind, Duration length, Outage outage)
            throws Exception {
        for (ClientLog log : load.logs) {
            log.acknowledgedAfterRecovery.set(0);
            log.failureMillis.clear();
        }
        load.recovered.set(false);
        long outageStart = System.nanoTime();
        outage.begin();
        long down = awaitHealth(probe, 503, outageStart, length);

        // A page recovered during the outage: ERROR and the defaults; a change made after it is refused.
        HttpResponse<String> page = reader.get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<code id=\"recovery\">ERROR</code>").contains("<span id=\"count\">0</span>");
        Timed refused = timed(() -> reader.post("/increment", form(), "HX-Request", "true"));
        assertThat(refused.response().statusCode()).as("a change after an ERROR recovery").isEqualTo(503);
        assertThat(refused.elapsed()).isLessThan(OPERATION_TIMEOUT.plus(MARGIN));

        long remaining = length.toNanos() - (System.nanoTime() - outageStart);
        if (remaining > 0) {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(remaining));
        }
        long outageEnd = System.nanoTime();
        outage.end();
        long up = awaitHealth(probe, 200, outageEnd, RECOVERY_LIMIT);
        load.recovered.set(true);
        long giveUp = System.nanoTime() + RECOVERY_LIMIT.toNanos();
        while (load.logs.stream().anyMatch(log -> log.acknowledgedAfterRecovery.get() == 0)
                && System.nanoTime() < giveUp) {
            Thread.sleep(50);
        }
        long served = System.nanoTime();

        List<Long> failures = new ArrayList<>();
        for (int i = 0; i < load.logs.size(); i++) {
            ClientLog log = load.logs.get(i);
            assertThat(log.acknowledgedAfterRecovery.get()).as("%s: client %d's increments after the outage", kind, i)
                    .isPositive();
            failures.addAll(log.failureMillis);
        }
        assertThat(failures).as("%s: increments answered 503", kind).isNotEmpty()
                .allSatisfy(millis -> assertThat(millis).isLessThan(OPERATION_TIMEOUT.plus(MARGIN).toMillis()));
        return String.format("%s %d s: %d increments answered 503 after %d-%d ms, a change after an ERROR recovery "
                + "answered 503 after %d ms, /actuator/health DOWN %d ms after the outage began and UP %d ms after it "
                + "ended, every session served again %d ms after it ended", kind, length.toSeconds(), failures.size(),
                failures.stream().mapToLong(Long::longValue).min().orElseThrow(),
                failures.stream().mapToLong(Long::longValue).max().orElseThrow(), refused.elapsed().toMillis(),
                TimeUnit.NANOSECONDS.toMillis(down - outageStart), TimeUnit.NANOSECONDS.toMillis(up - outageEnd),
                TimeUnit.NANOSECONDS.toMillis(served - outageEnd));
    }

    /**
     * One acknowledged increment. On a busy machine the app's first S3 calls can spend the whole operation
     * timeout loading classes, so a 503 is retried for a while (and logged: its write may still land).
     */
    private static void warmUp(Visitor visitor, ClientLog log) {
        long giveUp = System.nanoTime() + WARM_UP_LIMIT.toNanos();
        while (true) {
            HttpResponse<String> answer = visitor.post("/increment", form(), "HX-Request", "true");
            if (answer.statusCode() == 200) {
                log.acknowledged.incrementAndGet();
                return;
            }
            assertThat(answer.statusCode()).as("a warm-up increment").isEqualTo(503);
            log.failed.incrementAndGet();
            assertThat(System.nanoTime()).as("warm-up: an increment acknowledged within %s", WARM_UP_LIMIT)
                    .isLessThan(giveUp);
        }
    }

    /** A response and how long it took. */
    record Timed(HttpResponse<String> response, Duration elapsed) {
    }

    private static Timed timed(Supplier<HttpResponse<String>> request) {
        long start = System.nanoTime();
        HttpResponse<String> response = request.get();
        return new Timed(response, Duration.ofNanos(System.nanoTime() - start));
    }

    private static void incrementUntilStopped(Visitor visitor, ClientLog log, Load load, CountDownLatch started) {
        started.countDown();
        while (load.running.get()) {
            Timed answer = timed(() -> visitor.post("/increment", form(), "HX-Request", "true"));
            int status = answer.response().statusCode();
            if (status == 200) {
                log.acknowledged.incrementAndGet();
                if (load.recovered.get()) {
                    log.acknowledgedAfterRecovery.incrementAndGet();
                }
            } else if (status == 503) {
                log.failed.incrementAndGet();
                log.failureMillis.add(answer.elapsed().toMillis());
            } else {
                log.unexpected.add(status + ": " + answer.response().body());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static int health(Visitor probe) {
        return probe.get("/actuator/health").statusCode();
    }

    /** @return when {@code /actuator/health} first answered {@code status}, polling every 100 ms */
    private static long awaitHealth(Visitor probe, int status, long since, Duration limit) throws InterruptedException {
        long giveUp = since + limit.toNanos();
        while (System.nanoTime() < giveUp) {
            if (health(probe) == status) {
                return System.nanoTime();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("/actuator/health did not answer " + status + " within " + limit);
    }

    private static S3Proxy startServer(BlobStore blobs, int port) throws Exception {
        S3Proxy proxy = S3Proxy.builder().blobStore(blobs).endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
        proxy.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IOException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        return proxy;
    }
}
