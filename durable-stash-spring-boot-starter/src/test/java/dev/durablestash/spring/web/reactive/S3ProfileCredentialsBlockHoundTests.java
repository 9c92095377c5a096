package dev.durablestash.spring.web.reactive;

import java.net.URI;
import java.time.Duration;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;


import dev.durablestash.spring.web.reactive.testapp.FluxTestApplication;

import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link S3EventLoopBlockHoundTests} with the SDK's default credentials chain (a profile file) instead of
 * the key properties: the credentials are first resolved when the first request is signed.
 * <p>{@link EventLoopBlockHoundTests} with the S3 backend (a client built by the starter from the properties,
 * against S3Proxy started here): an idle session actor now drains on the calling thread, so the S3
 * request a stash starts is prepared (signed, its credentials resolved) on the Netty event loop that
 * handled the exchange. Nothing of that may block.
 */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.s3.bucket=stash",
        "durable-stash.storage.s3.region=eu-west-1", "durable-stash.storage.s3.path-style-access=true",
        "durable-stash.storage.s3.store-check=off", "durable-stash.secret=s3-profile-blockhound-secret-0123456789abcdef" })
class S3ProfileCredentialsBlockHoundTests {

    private static S3Proxy server;

    static {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("aws-profile");
            java.nio.file.Path credentials = dir.resolve("credentials");
            java.nio.file.Files.writeString(credentials, "[default]\naws_access_key_id = key\naws_secret_access_key = secret\n");
            java.nio.file.Path config = dir.resolve("config");
            java.nio.file.Files.writeString(config, "[default]\nregion = eu-west-1\n");
            System.setProperty("aws.sharedCredentialsFile", credentials.toString());
            System.setProperty("aws.configFile", config.toString());
        } catch (java.io.IOException e) {
            throw new ExceptionInInitializerError(e);
        }
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

    @BeforeAll
    static void installBlockHound() {
        BlockHound.install(builder -> builder
                .allowBlockingCallsInside("sun.security.provider.NativePRNG$RandomIO", "implNextBytes")
                .blockingMethodCallback(method -> {
                    throw new BlockingOperationError(method);
                }));
    }

    @LocalServerPort
    int port;

    FluxClient browser;

    @BeforeEach
    void openBrowser() {
        browser = new FluxClient(port);
    }

    @Test
    void mountingRecoveringStashingAndResettingOnS3WithProfileCredentialsNeverBlockAnEventLoopThread() {
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
    }
}
