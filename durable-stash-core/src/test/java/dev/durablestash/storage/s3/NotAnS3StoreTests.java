package dev.durablestash.storage.s3;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.StorageException;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * An endpoint that is no S3 store at all (a reverse proxy with the wrong path prefix, a web
 * server, MinIO's console port) answers every request 404 with an HTML page and no S3 error code. The
 * backend read every such 404 as "no such key": the health check (a GET of a missing key) passed, and
 * every session read as empty, while every write failed ("HTTP 404 (no error code)"). Only a 404
 * {@code NoSuchKey} is a missing key now (any 404 but {@code NoSuchBucket} to a HEAD, which has no body).
 */
class NotAnS3StoreTests {

    private HttpServer web;
    private S3AsyncClient client;

    @BeforeEach
    void start() throws Exception {
        web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        web.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] page = ("<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1>"
                    + "</center><hr><center>nginx</center></body></html>").getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().add("Content-Type", "text/html");
            if ("HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(404, page.length);
                exchange.getResponseBody().write(page);
            }
            exchange.close();
        });
        web.start();
        client = S3TestServer.newClient(URI.create("http://127.0.0.1:" + web.getAddress().getPort()));
    }

    @AfterEach
    void stop() {
        client.close();
        web.stop(0);
    }

    @Test
    void theHealthCheckFailsOnAnEndpointThatAnswersEveryRequestWithAnHtml404() throws Exception {
        S3StorageBackend backend = S3StorageBackend.builder().bucket("stash").client(client).build();
        Throwable failure = null;
        try {
            await(backend.check("durable-stash/health-check"));
        } catch (Throwable e) {
            failure = e;
        }
        assertThat(failure).as("the health check on an endpoint that is no S3 store (every answer an HTML 404)")
                .isNotNull();
    }

    @Test
    void aReadOnAnEndpointThatAnswersEveryRequestWithAnHtml404IsAnErrorNotAnAbsentDocument() throws Exception {
        S3StorageBackend backend = S3StorageBackend.builder().bucket("stash").client(client).build();
        Object outcome;
        try {
            outcome = await(backend.get("durable-stash/some-session", null));
        } catch (Throwable e) {
            outcome = e;
        }
        assertThat(outcome).as("a GET answered 404 without an S3 error code").isNotInstanceOf(GetResult.NotFound.class);
    }

    /**
     * The revalidation interceptor makes an S3 store's 404s to the backend's reads successful calls; an HTML
     * 404 is no S3 store's answer and stays a failure through it.
     */
    @Test
    void throughTheRevalidationInterceptorAnHtml404IsStillAnError() throws Exception {
        try (S3AsyncClient withInterceptor = AppClients.builder(
                URI.create("http://127.0.0.1:" + web.getAddress().getPort()), RequestChecksums.WHEN_REQUIRED).build()) {
            S3StorageBackend backend = S3StorageBackend.builder().bucket("stash").client(withInterceptor).build();
            Throwable failure = catchThrowable(() -> await(backend.get("durable-stash/some-session", null)));
            assertThat(failure).as("a GET answered 404 with an HTML page").isInstanceOf(StorageException.class)
                    .hasMessageContaining("HTTP 404 (no error code)");
        }
    }
}
