package dev.durablestash.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageException;
import dev.durablestash.storage.s3.S3StorageBackend;
import dev.durablestash.testsupport.ExpectedLogs;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;

/**
 * The S3 client of S3 storage: built from {@code durable-stash.storage.s3.*} and then by ordered
 * {@link DurableStashS3ClientCustomizer}s, or the application's own {@link S3AsyncClient} bean used as it
 * is; either way every call of the backend is bounded below the operation timeout. Against an S3 server
 * (S3Proxy) started here, with authentication, so that a client built from the properties proves its
 * endpoint, path-style addressing and credentials by working.
 */
class S3ClientAutoConfigurationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private static final String SECRET = "s3-client-tests-secret-0123456789abcdef";
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
        try (S3AsyncClient client = appClient(endpoint)) {
            client.createBucket(b -> b.bucket("stash")).join();
        }
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.stop();
    }

    @Test
    void theClientIsBuiltFromThePropertiesAndTheStoreCheckRunsOnIt() {
        contextRunner.withPropertyValues("durable-stash.storage.s3.endpoint=" + endpoint,
                "durable-stash.storage.s3.region=eu-west-1", "durable-stash.storage.s3.path-style-access=true",
                "durable-stash.storage.s3.access-key-id=key", "durable-stash.storage.s3.secret-access-key=secret",
                "durable-stash.storage.s3.max-concurrency=8").run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasSingleBean(S3AsyncClient.class).hasBean("durableStashS3Client");
                    S3AsyncClient client = context.getBean(S3AsyncClient.class);
                    assertThat(client.serviceClientConfiguration().region()).isEqualTo(Region.EU_WEST_1);
                    assertThat(client.serviceClientConfiguration().endpointOverride()).hasValue(endpoint);
                    assertThat(client.serviceClientConfiguration().credentialsProvider().resolveIdentity().join()
                            .accessKeyId()).isEqualTo("key");
                    assertThat(logs.messages(Level.INFO)).anySatisfy((line) -> assertThat(line)
                            .contains("DurableStash S3 store check of s3://stash at " + endpoint)
                            .contains("stale replace refused"));
                    S3StorageBackend backend = context.getBean(S3StorageBackend.class);
                    PutResult put = backend.put("durable-stash/doc", "v1".getBytes(StandardCharsets.UTF_8),
                            Precondition.absent()).toCompletableFuture().get(10, TimeUnit.SECONDS);
                    assertThat(put).isInstanceOf(PutResult.Written.class);
                    assertThat(backend.get("durable-stash/doc", null).toCompletableFuture().get(10, TimeUnit.SECONDS))
                            .isInstanceOf(GetResult.Found.class);
                    assertThat(client.serviceClientConfiguration().overrideConfiguration().executionInterceptors())
                            .as("a revalidation answered 304 is no failed call")
                            .contains(S3StorageBackend.revalidationInterceptor());
                    assertThat(backend.get("durable-stash/doc", ((PutResult.Written) put).etag()).toCompletableFuture()
                            .get(10, TimeUnit.SECONDS)).isInstanceOf(GetResult.NotModified.class);
                    assertThat(logs.messages(Level.INFO)).noneSatisfy((line) -> assertThat(line)
                            .contains("revalidationInterceptor"));
                });
    }

    @Test
    void theBackendWritesThroughASecondClientFromTheSameBuilderWithoutRetriesOrPerRequestPlugins() {
        List<String> requests = new CopyOnWriteArrayList<>();
        ExecutionInterceptor recorder = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                requests.add(context.request().getClass().getSimpleName() + " plugins="
                        + context.request().overrideConfiguration().map((c) -> c.plugins().size()).orElse(0));
            }
        };
        List<String> customized = new CopyOnWriteArrayList<>();
        contextRunner.withBean(DurableStashS3ClientCustomizer.class, () -> (builder) -> {
            customized.add("recorder");
            builder.overrideConfiguration(builder.overrideConfiguration().toBuilder().addExecutionInterceptor(recorder).build());
        }).withPropertyValues("durable-stash.storage.s3.endpoint=" + endpoint, "durable-stash.storage.s3.path-style-access=true",
                "durable-stash.storage.s3.access-key-id=key", "durable-stash.storage.s3.secret-access-key=secret",
                "durable-stash.storage.s3.store-check=off").run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(customized).as("the customizer, applied to each client's builder").containsExactly("recorder",
                            "recorder");
                    OwnS3Clients clients = context.getBean(OwnS3Clients.class);
                    assertThat(context.getBean("durableStashS3Client")).isSameAs(clients.reads());
                    assertThat(clients.writes().serviceClientConfiguration().endpointOverride()).hasValue(endpoint);
                    assertThat(clients.writes().serviceClientConfiguration().overrideConfiguration().retryStrategy())
                            .hasValueSatisfying((strategy) -> assertThat(strategy.maxAttempts()).isEqualTo(1));
                    assertThat(clients.reads().serviceClientConfiguration().overrideConfiguration().retryStrategy())
                            .hasValueSatisfying((strategy) -> assertThat(strategy.maxAttempts()).isGreaterThan(1));
                    assertThat(clients.writes().serviceClientConfiguration().overrideConfiguration().apiCallTimeout())
                            .as("the call timeout from the properties").hasValue(Duration.ofSeconds(5));

                    S3StorageBackend backend = context.getBean(S3StorageBackend.class);
                    PutResult put = backend.put("durable-stash/written-by-the-write-client", "v1".getBytes(StandardCharsets.UTF_8),
                            Precondition.absent()).toCompletableFuture().get(10, TimeUnit.SECONDS);
                    assertThat(put).isInstanceOf(PutResult.Written.class);
                    assertThat(backend.get("durable-stash/written-by-the-write-client", null).toCompletableFuture().get(10, TimeUnit.SECONDS))
                            .isInstanceOf(GetResult.Found.class);
                    assertThat(backend.delete("durable-stash/written-by-the-write-client", null).toCompletableFuture().get(10, TimeUnit.SECONDS))
                            .isTrue();
                    assertThat(requests).as("a write client that never retries needs no per-request plugin")
                            .containsExactly("PutObjectRequest plugins=0", "GetObjectRequest plugins=0",
                                    "DeleteObjectRequest plugins=0");
                });
    }

    /**
     * An application's customizer that sets a legacy {@code RetryPolicy} (what many existing clients
     * still do): before the starter built a second client for writes, writes got a per-request override
     * without retries; the write client built from the same customizers must still start and write once.
     */
    @Test
    @SuppressWarnings("deprecation") // the legacy RetryPolicy is what this test is about
    void aCustomizerThatSetsALegacyRetryPolicyStillStartsAndWrites() {
        contextRunner.withBean(DurableStashS3ClientCustomizer.class, () -> (builder) -> builder.overrideConfiguration(
                builder.overrideConfiguration().toBuilder()
                        .retryPolicy(software.amazon.awssdk.core.retry.RetryPolicy.builder().numRetries(3).build()).build()))
                .withPropertyValues("durable-stash.storage.s3.endpoint=" + endpoint, "durable-stash.storage.s3.path-style-access=true",
                        "durable-stash.storage.s3.access-key-id=key", "durable-stash.storage.s3.secret-access-key=secret",
                        "durable-stash.storage.s3.store-check=off").run((context) -> {
                    assertThat(context).hasNotFailed();
                    OwnS3Clients clients = context.getBean(OwnS3Clients.class);
                    assertThat(clients.writes().serviceClientConfiguration().overrideConfiguration().retryPolicy()).isEmpty();
                    assertThat(clients.writes().serviceClientConfiguration().overrideConfiguration().retryStrategy())
                            .hasValueSatisfying((strategy) -> assertThat(strategy.maxAttempts()).isEqualTo(1));
                    S3StorageBackend backend = context.getBean(S3StorageBackend.class);
                    PutResult put = backend.put("durable-stash/legacy-retry-policy", "v1".getBytes(StandardCharsets.UTF_8),
                            Precondition.absent()).toCompletableFuture().get(10, TimeUnit.SECONDS);
                    assertThat(put).isInstanceOf(PutResult.Written.class);
                });
    }

    @Test
    void customizersAreAppliedInTheirOrderAfterTheProperties() {
        contextRunner.withUserConfiguration(OrderedCustomizers.class)
                .withPropertyValues("durable-stash.storage.s3.endpoint=http://127.0.0.1:1",
                        "durable-stash.storage.s3.region=us-east-2", "durable-stash.storage.s3.store-check=off", "durable-stash.operation-timeout=2s")
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(OrderedCustomizers.class).applied).as("for the client of reads, then of writes")
                            .containsExactly("first", "second", "first", "second");
                    S3AsyncClient client = context.getBean(S3AsyncClient.class);
                    assertThat(client.serviceClientConfiguration().region()).as("the later customizer's")
                            .isEqualTo(Region.EU_CENTRAL_1);
                    assertThat(client.serviceClientConfiguration().overrideConfiguration().apiCallTimeout())
                            .as("from the properties, kept by the customizers").hasValue(Duration.ofSeconds(1));
                });
    }

    @Test
    void theApplicationsClientIsUsedAsItIsAndTheStartersClientSettingsAreIgnoredWithAWarning() {
        logs.expect(Level.WARN, "DurableStash uses the application's S3AsyncClient bean: "
                + "durable-stash.storage.s3.endpoint, durable-stash.storage.s3.max-concurrency, the "
                + "DurableStashS3ClientCustomizer beans are ignored (configure that client instead)");
        contextRunner.withUserConfiguration(OrderedCustomizers.class)
                .withBean(S3AsyncClient.class, () -> appClient(endpoint))
                .withPropertyValues("durable-stash.storage.s3.endpoint=http://127.0.0.1:1",
                        "durable-stash.storage.s3.max-concurrency=8")
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasSingleBean(S3AsyncClient.class).doesNotHaveBean("durableStashS3Client");
                    assertThat(context.getBean(OrderedCustomizers.class).applied).as("customizers applied").isEmpty();
                    assertThat(context.getBean(S3StorageBackend.class).describe()).isEqualTo("s3://stash at " + endpoint);
                    assertThat(logs.messages(Level.INFO)).anySatisfy((line) -> assertThat(line)
                            .contains("DurableStash S3 store check of s3://stash at " + endpoint));
                    assertThat(logs.messages(Level.INFO)).anySatisfy((line) -> assertThat(line)
                            .contains("DurableStash uses the application's S3AsyncClient bean, which has no "
                                    + "S3StorageBackend.revalidationInterceptor()")
                            .contains("add .addExecutionInterceptor(S3StorageBackend.revalidationInterceptor()) where "
                                    + "that client's override configuration is built"));
                });
    }

    @Test
    void aCustomizerThatReplacesTheOverrideConfigurationKeepsItsInterceptorAndTheRevalidationInterceptor() {
        ExecutionInterceptor mine = new ExecutionInterceptor() {
        };
        contextRunner.withPropertyValues("durable-stash.storage.s3.endpoint=" + endpoint,
                        "durable-stash.storage.s3.path-style-access=true",
                        "durable-stash.storage.s3.access-key-id=key",
                        "durable-stash.storage.s3.secret-access-key=secret")
                .withBean(DurableStashS3ClientCustomizer.class,
                        () -> (builder) -> builder.overrideConfiguration(c -> c.addExecutionInterceptor(mine)))
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    S3AsyncClient client = context.getBean("durableStashS3Client", S3AsyncClient.class);
                    assertThat(client.serviceClientConfiguration().overrideConfiguration().executionInterceptors())
                            .as("the customizer's interceptor, and the revalidation interceptor added back")
                            .contains(mine, S3StorageBackend.revalidationInterceptor());
                });
    }

    @Test
    void anApplicationsClientWithTheRevalidationInterceptorIsNotAdvisedToAddIt() {
        contextRunner.withBean(S3AsyncClient.class, () -> appClientBuilder(endpoint)
                        .overrideConfiguration(c -> c.addExecutionInterceptor(
                                S3StorageBackend.revalidationInterceptor()))
                        .build())
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(logs.messages(Level.INFO)).anySatisfy((line) -> assertThat(line)
                            .contains("DurableStash S3 store check of s3://stash at " + endpoint));
                    assertThat(logs.messages(Level.INFO)).noneSatisfy((line) -> assertThat(line)
                            .contains("revalidationInterceptor"));
                });
    }

    @Test
    void everyCallIsBoundedBelowTheOperationTimeoutAlsoOnAnApplicationsClientWithoutTimeouts() throws Exception {
        // A store that accepts connections and never answers; the application's client has no call timeout
        // and the SDK's 30 s read timeout.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            URI silentEndpoint = URI.create("http://127.0.0.1:" + silent.getLocalPort());
            contextRunner.withBean(S3AsyncClient.class, () -> appClient(silentEndpoint))
                    .withPropertyValues("durable-stash.storage.s3.store-check=off", "durable-stash.operation-timeout=4s")
                    .run((context) -> {
                        assertThat(context).hasNotFailed();
                        S3StorageBackend backend = context.getBean(S3StorageBackend.class);
                        long started = System.nanoTime();
                        assertThatThrownBy(() -> backend.get("durable-stash/doc", null).toCompletableFuture()
                                .get(10, TimeUnit.SECONDS))
                                .hasMessageContaining("did not complete before the specified timeout")
                                .cause().isInstanceOf(StorageException.class)
                                .hasCauseInstanceOf(SdkClientException.class);
                        assertThat(Duration.ofNanos(System.nanoTime() - started))
                                .as("a call gets half of the 4 s operation timeout").isLessThan(Duration.ofMillis(3800));
                    });
        }
    }

    @Test
    void severalApplicationClientsWithoutAPrimaryFailStartupSayingWhatToDo() {
        contextRunner.withBean("one", S3AsyncClient.class, () -> appClient(endpoint))
                .withBean("two", S3AsyncClient.class, () -> appClient(endpoint))
                .withPropertyValues("durable-stash.storage.s3.store-check=off")
                .run((context) -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .hasMessageContaining("several S3AsyncClient beans and none is @Primary");
                });
    }

    @Test
    void anAccessKeyIdWithoutASecretFailsNamingTheMissingProperty() {
        contextRunner.withPropertyValues("durable-stash.storage.s3.access-key-id=key").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .hasMessageContaining("durable-stash.storage.s3.secret-access-key")
                    .hasMessageContaining("set together");
        });
    }

    @Test
    void aMaxConcurrencyBelowOneFailsNamingTheProperty() {
        contextRunner.withPropertyValues("durable-stash.storage.s3.max-concurrency=0").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .hasMessageContaining("durable-stash.storage.s3.max-concurrency");
        });
    }

    /** An application's client as one is commonly written: no timeouts of its own. */
    private static S3AsyncClient appClient(URI endpoint) {
        return appClientBuilder(endpoint).build();
    }

    private static S3AsyncClientBuilder appClientBuilder(URI endpoint) {
        return S3AsyncClient.builder().region(Region.US_EAST_1).endpointOverride(endpoint).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("key", "secret")));
    }

    /** Two customizers declared in the opposite order to their {@link Order}. */
    @Configuration(proxyBeanMethods = false)
    static class OrderedCustomizers {

        final List<String> applied = new CopyOnWriteArrayList<>();

        @Bean
        @Order(2)
        DurableStashS3ClientCustomizer second() {
            return (builder) -> {
                applied.add("second");
                builder.region(Region.EU_CENTRAL_1);
            };
        }

        @Bean
        @Order(1)
        DurableStashS3ClientCustomizer first() {
            return (builder) -> {
                applied.add("first");
                builder.region(Region.EU_WEST_1);
            };
        }
    }
}
