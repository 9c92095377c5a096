package dev.durablestash.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;

import ch.qos.logback.classic.Level;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import dev.durablestash.testsupport.ExpectedLogs;

/**
 * The startup check of an S3 store's compare-and-swap, against an S3 server (S3Proxy) started here; the
 * application's S3AsyncClient bean talks to it. A store that ignores {@code If-Match} is played by a
 * client whose interceptor removes the header before the request is signed and sent.
 */
class S3StoreCheckTests {

    /** The check's own lines are asserted, not printed; the failed startup's context warning is expected. */
    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt")
            .allow(Level.WARN, "the store ignores If-Match on PUT")
            .allow(Level.WARN, "could not check the compare-and-swap");

    private static final String SECRET = "s3-store-check-tests-secret-0123456789abcdef";
    private static S3Proxy server;
    private static URI endpoint;

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DurableStashAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.s3.bucket=stash", "durable-stash.secret=" + SECRET);

    @BeforeAll
    static void startServer() throws Exception {
        server = S3Proxy.builder().blobStore(new TransientNio2BlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "key", "secret").build();
        server.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"STARTED".equals(server.getState()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        endpoint = URI.create("http://127.0.0.1:" + server.getPort());
        try (S3AsyncClient client = client(false)) {
            client.createBucket(b -> b.bucket("stash")).join();
        }
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.stop();
    }

    @Test
    void aStoreThatHonoursThePreconditionsStartsWithOneInfoLineAndTheProbeRemoved() {
        contextRunner.withBean(S3AsyncClient.class, () -> client(false)).run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(logs.messages(Level.INFO)).anySatisfy((line) -> assertThat(line).contains(
                    "DurableStash S3 store check of s3://stash at " + endpoint + ": create with If-None-Match: * "
                    + "refused on an existing object; replace with If-Match honoured, ETag sent quoted; "
                    + "stale replace refused; conditional GET 304"));
            assertThat(context.getBean(S3AsyncClient.class).listObjectsV2(b -> b.bucket("stash")).join().keyCount())
                    .as("objects left by the check").isZero();
        });
    }

    @Test
    void aStoreThatIgnoresIfMatchOnPutFailsStartupSayingSoAndHowToStartASingleInstance() {
        contextRunner.withBean(S3AsyncClient.class, () -> client(true)).run((context) -> {
            assertThat(context).hasFailed();
            assertThat(rootCause(context.getStartupFailure()).getMessage())
                    .contains("the store ignores If-Match on PUT (a replace with a stale ETag was applied)")
                    .contains("lets several app instances sharing it lose acknowledged writes")
                    .contains("set durable-stash.storage.s3.store-check=warn to start anyway");
        });
    }

    @Test
    void withStoreCheckWarnTheSameStoreStartsWithAWarning() {
        contextRunner.withBean(S3AsyncClient.class, () -> client(true))
                .withPropertyValues("durable-stash.storage.s3.store-check=warn").run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(logs.messages(Level.WARN)).anySatisfy(
                            (line) -> assertThat(line).contains("the store ignores If-Match on PUT"));
                });
    }

    @Test
    void withStoreCheckOffNothingIsProbed() {
        contextRunner.withBean(S3AsyncClient.class, () -> client(true))
                .withPropertyValues("durable-stash.storage.s3.store-check=off").run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(logs.messages(Level.INFO)).noneSatisfy(
                            (line) -> assertThat(line).contains("S3 store check"));
                });
    }

    @Test
    void anUnreachableStoreOnlyWarnsAndStarts() {
        contextRunner.withPropertyValues("durable-stash.storage.s3.endpoint=http://127.0.0.1:1",
                "durable-stash.storage.s3.region=us-east-1", "durable-stash.operation-timeout=2s").run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(logs.messages(Level.WARN)).anySatisfy((line) -> assertThat(line)
                            .contains("DurableStash could not check the compare-and-swap of s3://stash"));
                });
    }

    private static S3AsyncClient client(boolean dropIfMatch) {
        return S3AsyncClient.builder().region(Region.US_EAST_1).endpointOverride(endpoint).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("key", "secret")))
                .overrideConfiguration(c -> {
                    if (dropIfMatch) {
                        c.addExecutionInterceptor(new DropIfMatch());
                    }
                })
                .build();
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root;
    }

    /** Plays a store that ignores If-Match: the header never leaves the client. */
    private static final class DropIfMatch implements ExecutionInterceptor {

        @Override
        public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context,
                ExecutionAttributes executionAttributes) {
            return context.httpRequest().toBuilder().removeHeader("If-Match").build();
        }
    }
}
