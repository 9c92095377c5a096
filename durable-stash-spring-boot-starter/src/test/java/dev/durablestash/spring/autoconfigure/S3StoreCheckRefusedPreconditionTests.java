package dev.durablestash.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

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
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

import dev.durablestash.testsupport.ExpectedLogs;

/**
 * The README says that with store-check=verify a store that ignores or refuses the preconditions fails
 * startup. A store without conditional writes answers a PUT with If-None-Match: * with 501 NotImplemented.
 * The check took that for an outage: startup went on with a WARN saying the check "could not" run, and
 * every session create then failed with 503.
 */
class S3StoreCheckRefusedPreconditionTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt")
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
        try (S3AsyncClient client = client()) {
            client.createBucket(b -> b.bucket("stash")).join();
        }
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.stop();
    }

    @Test
    void aStoreThatRefusesIfNoneMatchOnPutWith501FailsStartupUnderVerify() {
        contextRunner.withBean(S3AsyncClient.class, () -> refusingConditionalCreates(client())).run((context) -> {
            assertThat(context)
                    .as("store-check=verify with a store that refuses If-None-Match: * (501); WARN lines: %s",
                            logs.messages(Level.WARN))
                    .hasFailed();
            assertThat(rootMessage(context.getStartupFailure())).contains("refuses a create with If-None-Match: *")
                    .contains("one that refuses a precondition or answers without an ETag fails writes even for one "
                            + "instance");
        });
    }

    /**
     * A store (or a gateway in front of it) whose PUT answers carry no ETag: compare-and-swap cannot work
     * ("DurableStash needs ETags for compare-and-swap"), every stash fails with 503 although it was stored;
     * yet startup under verify went on with a WARN that the check "could not" run.
     */
    @Test
    void aStoreWhosePutAnswersCarryNoETagFailsStartupUnderVerify() {
        contextRunner.withBean(S3AsyncClient.class, () -> withoutPutETags(client())).run((context) -> {
            assertThat(context)
                    .as("store-check=verify with a store whose PUT answers carry no ETag; WARN lines: %s",
                            logs.messages(Level.WARN))
                    .hasFailed();
            assertThat(rootMessage(context.getStartupFailure())).contains("ETag")
                    .contains("fails writes even for one instance");
        });
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return String.valueOf(root.getMessage());
    }

    static S3AsyncClient withoutPutETags(S3AsyncClient real) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("putObject") && args != null && args.length == 2
                    && args[0] instanceof PutObjectRequest) {
                @SuppressWarnings("unchecked")
                CompletableFuture<PutObjectResponse> sent =
                        (CompletableFuture<PutObjectResponse>) method.invoke(real, args);
                return sent.thenApply((response) -> response.toBuilder().eTag(null).build());
            } else if (method.isDefault() && method.getName().equals("putObject")) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (S3AsyncClient) Proxy.newProxyInstance(S3AsyncClient.class.getClassLoader(),
                new Class<?>[] {S3AsyncClient.class}, handler);
    }

    private static S3AsyncClient client() {
        return S3AsyncClient.builder().region(Region.US_EAST_1).endpointOverride(endpoint).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("key", "secret")))
                .build();
    }

    /** A store without conditional creates: 501 NotImplemented to every PUT carrying If-None-Match. */
    static S3AsyncClient refusingConditionalCreates(S3AsyncClient real) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("putObject") && args != null && args.length == 2
                    && args[0] instanceof PutObjectRequest request) {
                if (request.ifNoneMatch() != null) {
                    return CompletableFuture.failedFuture(S3Exception.builder().statusCode(501)
                            .awsErrorDetails(AwsErrorDetails.builder().errorCode("NotImplemented")
                                    .errorMessage("A header you provided implies functionality that is not implemented")
                                    .build())
                            .message("NotImplemented").build());
                }
            } else if (method.isDefault() && method.getName().equals("putObject")) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (S3AsyncClient) Proxy.newProxyInstance(S3AsyncClient.class.getClassLoader(),
                new Class<?>[] {S3AsyncClient.class}, handler);
    }
}
