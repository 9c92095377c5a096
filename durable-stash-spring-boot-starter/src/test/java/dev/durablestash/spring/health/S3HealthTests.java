package dev.durablestash.spring.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;

import ch.qos.logback.classic.Level;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * The storage health indicator against an S3 server (S3Proxy) started here, stopped and started again on
 * the same port; and against a server that accepts connections and never answers. The application's
 * {@code S3AsyncClient} bean talks to them.
 */
class S3HealthTests {

    /** A reused client without an API call timeout below the operation timeout gets the starter's warning. */
    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash")
            .allow(Level.WARN, "has no API call timeout below");

    private static final String SECRET = "s3-health-tests-secret-0123456789abcdef0123";

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DurableStashAutoConfiguration.class,
                    DurableStashHealthAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.s3.bucket=stash", "durable-stash.secret=" + SECRET,
                    "durable-stash.storage.s3.store-check=off");

    private S3Proxy server;

    @AfterEach
    void stopServer() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void theStoreIsDownWithTheReasonWhileTheServerIsStoppedAndUpAgainOnceItIsBack() throws Exception {
        BlobStore blobs = new TransientNio2BlobStore();
        server = startServer(blobs, 0);
        int port = server.getPort();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        try (S3AsyncClient admin = client(endpoint, Duration.ofSeconds(30))) {
            admin.createBucket((b) -> b.bucket("stash")).join();
        }
        contextRunner.withBean(S3AsyncClient.class, () -> client(endpoint, Duration.ofSeconds(1))).run((context) -> {
            HealthIndicator indicator = context.getBean(StorageHealthIndicator.class);
            // The first call loads the SDK's request classes, which can take longer than the 1 s call
            // timeout on a busy machine: the store must be UP within a while, not at the first check.
            Health up = upWithin(indicator, UP_WITHIN);
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsEntry("storage", "s3://stash at " + endpoint);

            server.stop();
            server = null;
            Health down = indicator.health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails()).containsEntry("storage", "s3://stash at " + endpoint);
            assertThat(down.getDetails().get("error")).asString()
                    .contains("S3 GET of s3://stash/durable-stash/health-check failed").contains("Connection refused");

            server = startServer(blobs, port);
            assertThat(upWithin(indicator, UP_WITHIN).getStatus()).isEqualTo(Status.UP);
        });
    }

    /** Long enough for a loaded machine; a store that stays DOWN still fails the test. */
    private static final Duration UP_WITHIN = Duration.ofSeconds(20);

    /** Asks {@code indicator} until it answers UP or {@code limit} has passed; returns its last answer. */
    private static Health upWithin(HealthIndicator indicator, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        Health health = indicator.health();
        while (!Status.UP.equals(health.getStatus()) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            health = indicator.health();
        }
        return health;
    }

    @Test
    void aServerThatNeverAnswersIsDownWhenTheHealthTimeoutEnds() throws Exception {
        // Connections to a listening socket that is never accepted complete in the kernel's backlog:
        // requests are sent and never answered.
        try (ServerSocket stalled = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            URI endpoint = URI.create("http://127.0.0.1:" + stalled.getLocalPort());
            contextRunner.withBean(S3AsyncClient.class, () -> client(endpoint, Duration.ofSeconds(1)))
                    .withPropertyValues("management.health.durable-stash.timeout=500ms").run((context) -> {
                        HealthIndicator indicator = context.getBean(StorageHealthIndicator.class);
                        long start = System.nanoTime();
                        Health health = indicator.health();
                        Duration took = Duration.ofNanos(System.nanoTime() - start);
                        System.out.println("S3HealthTests: a store that never answers was reported "
                                + health.getStatus() + " after " + took.toMillis() + " ms (health timeout 500 ms)");
                        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                        assertThat(health.getDetails()).containsEntry("error", "no answer within 500ms");
                        assertThat(took).isLessThan(Duration.ofSeconds(5));
                    });
        }
    }

    private static S3Proxy startServer(BlobStore blobs, int port) throws Exception {
        S3Proxy proxy = S3Proxy.builder().blobStore(blobs).endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "key", "secret").build();
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

    /**
     * The application's client: its own API call timeout (1 s) ends a stalled call soon after the test, before
     * the context closes it.
     */
    private static S3AsyncClient client(URI endpoint, Duration apiCallTimeout) {
        return S3AsyncClient.builder().region(Region.US_EAST_1).endpointOverride(endpoint).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("key", "secret")))
                .overrideConfiguration((c) -> c.apiCallTimeout(apiCallTimeout))
                .build();
    }
}
