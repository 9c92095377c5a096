package dev.durablestash.spring.web.reactive;

import java.net.URI;
import java.time.Duration;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;


import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

import dev.durablestash.spring.autoconfigure.DurableStashS3ClientCustomizer;
import dev.durablestash.spring.web.reactive.testapp.FluxTestApplication;


import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link EventLoopBlockHoundTests} with the S3 backend (a client built by the starter from the properties,
 * against S3Proxy started here): an idle session actor now drains on the calling thread, so the S3
 * request a stash starts is prepared (signed, its credentials resolved) on the Netty event loop that
 * handled the exchange. Nothing of that may block.
 */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.s3.bucket=stash",
        "durable-stash.storage.s3.region=eu-west-1", "durable-stash.storage.s3.path-style-access=true",
        "durable-stash.storage.s3.access-key-id=key", "durable-stash.storage.s3.secret-access-key=secret",
        "durable-stash.storage.s3.store-check=off", "durable-stash.secret=s3-blockhound-tests-secret-0123456789abcdef" })
@Import(S3EventLoopBlockHoundTests.PutThreads.class)
@ExtendWith(StrictBlockHound.class)
class S3EventLoopBlockHoundTests {

    /** The threads on which the SDK started a PUT (its request prepared and signed there). */
    static final List<String> putThreads = new CopyOnWriteArrayList<>();

    @TestConfiguration(proxyBeanMethods = false)
    static class PutThreads {
        @Bean
        DurableStashS3ClientCustomizer recordPutThreads() {
            ExecutionInterceptor recorder = new ExecutionInterceptor() {
                @Override
                public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                    if (context.request() instanceof PutObjectRequest) {
                        putThreads.add(Thread.currentThread().getName());
                    }
                }
            };
            return (builder) -> builder.overrideConfiguration(
                    builder.overrideConfiguration().toBuilder().addExecutionInterceptor(recorder).build());
        }
    }

    private static S3Proxy server;

    static {
        try {
            startServer();
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @DynamicPropertySource
    static void s3Endpoint(DynamicPropertyRegistry registry) {
        registry.add("durable-stash.storage.s3.endpoint", () -> "http://127.0.0.1:" + server.getPort());
    }

    static synchronized void startServer() throws Exception {
        if (server != null) {
            return;
        }
        org.gaul.s3proxy.blobstore.BlobStore blobs = new TransientNio2BlobStore();
        blobs.createContainer("stash");
        server = S3Proxy.builder().blobStore(blobs).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "key", "secret").build();
        server.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"STARTED".equals(server.getState()) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    @LocalServerPort
    int port;

    FluxClient browser;

    @BeforeEach
    void openBrowser() {
        browser = new FluxClient(port);
    }

    @Test
    void mountingRecoveringStashingAndResettingOnS3NeverBlockAnEventLoopThread() {
        String[] rejoin = { "X-Stash-Mounts", "1" };
        assertThat(browser.get("/counter").getResponseBody()).isEqualTo("count=0;draft=null");
        assertThat(browser.post("/counter/increment", "").getStatus().value()).isEqualTo(303);
        assertThat(browser.post("/counter/increment-view", "").getResponseBody()).isEqualTo("counter:count=2;");
        assertThat(browser.post("/counter/increment-mono", "", rejoin).getResponseBody()).isEqualTo("3");
        assertThat(browser.post("/counter/increment-flux", "", rejoin).getResponseBody()).isEqualTo("ab");
        assertThat(browser.post("/counter/draft", "draft=hi", rejoin).getResponseBody()).isEqualTo("draft=hi");
        assertThat(browser.get("/counter", rejoin).getResponseBody()).isEqualTo("count=4;draft=hi");
        assertThat(browser.post("/basket?item=a", "").getResponseBody()).isEqualTo("[a]");
        assertThat(browser.post("/tally/add", "").getResponseBody()).isEqualTo("total=5");
        assertThat(browser.post("/tally/reset", "").getResponseBody()).isEqualTo("total=0");
        assertThat(browser.post("/counter/reset", "").getResponseBody()).isEqualTo("count=0;RECOVERED");
        // A form's views are stashed once its body is read, on the event loop. Whether the actor is idle
        // then is a race the test cannot steer from outside: the storage thread that answered the mount's
        // read may still be leaving the actor's drain, and then that thread starts the PUT instead. So the
        // form is sent again until one PUT started on the event loop, which is asserted.
        for (int attempt = 0; attempt < 20 && !anyPutStartedOnAnEventLoop(); attempt++) {
            String draft = "again" + attempt;
            assertThat(browser.post("/counter/draft", "draft=" + draft, rejoin).getResponseBody())
                    .isEqualTo("draft=" + draft);
        }
        assertThat(putThreads).as("the case this test is about: an idle actor starts its PUT on the event loop")
                .anySatisfy((thread) -> assertThat(isEventLoop(thread)).isTrue());
    }

    private static boolean anyPutStartedOnAnEventLoop() {
        return putThreads.stream().anyMatch(S3EventLoopBlockHoundTests::isEventLoop);
    }

    private static boolean isEventLoop(String thread) {
        return thread.contains("webflux-http-") || thread.contains("reactor-http-");
    }
}
