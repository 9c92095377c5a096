package dev.durablestash.spring.web.reactive.dispatchpaths;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.spring.testsupport.SidBrowser;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The less-travelled paths of WebFlux on Netty: a handler that fails after changing a view, forms
 * without a length (chunked, HTTP/2), a redirect right after a change with slow storage, and CORS
 * preflights and HEAD requests, which must not write.
 */
@SpringBootTest(classes = DispatchPathsFluxApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
                "durable-stash.operation-timeout=2s", "server.http2.enabled=true" })
class DispatchPathsWebFluxTests {

    private static final String[] REJOIN = { "X-Stash-Mounts", "1" };

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    InMemoryStorageBackend storage;
    SidBrowser browser;

    @BeforeEach
    void open() {
        storage = (InMemoryStorageBackend) backend;
        storage.clearFaults();
        browser = new SidBrowser(port, HttpClient.Version.HTTP_1_1);
    }

    @AfterEach
    void clearFaults() {
        storage.clearFaults();
    }

    @Test
    void aHandlerThatFailsStashesNothingAndHoldsNoTurn() {
        assertThat(browser.post("/notes", "text=a").statusCode()).isEqualTo(200);
        assertThat(browser.post("/notes/boom", "", "Accept", "text/html").statusCode()).isEqualTo(409);
        long started = System.nanoTime();
        assertThat(browser.post("/notes", "text=b").statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        assertThat(browser.get("/notes", REJOIN).body()).startsWith("[a, b]");
    }

    @Test
    void aChunkedFormIsReadWithItsMountKindAndStashed() {
        formWithoutLength(browser);
    }

    @Test
    void aFormWithoutALengthOverHttp2IsReadWithItsMountKindAndStashed() {
        SidBrowser h2 = new SidBrowser(port, HttpClient.Version.HTTP_2);
        assertThat(h2.get("/notes").statusCode()).isEqualTo(200);
        HttpResponse<String> second = h2.get("/notes", REJOIN);
        assertThat(second.version()).as("the connection was upgraded to h2c").isEqualTo(HttpClient.Version.HTTP_2);
        formWithoutLength(h2);
    }

    private void formWithoutLength(SidBrowser client) {
        assertThat(client.post("/notes/draft", "text=d", REJOIN).statusCode()).isEqualTo(200);

        HttpResponse<String> posted = client.postWithoutLength("/notes", "_mounts=1&text=c");

        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
        assertThat(client.get("/notes", REJOIN).body()).as("the note stashed, the draft kept (a rejoin)")
                .isEqualTo("[c] draft=d");
    }

    @Test
    void theRedirectedGetSeesTheChangeAlsoWithSlowStorage() {
        storage.setLatency(Operation.PUT, Duration.ofMillis(300));
        storage.setLatency(Operation.GET, Duration.ofMillis(100));
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> redirect = browser.post("/notes/redirect", "text=r" + i, REJOIN);
            assertThat(redirect.statusCode()).isEqualTo(303);
            String location = redirect.headers().firstValue("Location").orElseThrow();
            assertThat(browser.get(location.replaceFirst("^https?://[^/]+", ""), REJOIN).body()).contains("r" + i);
        }
    }

    @Test
    void aCorsPreflightIssuesNoCookieAndTouchesNoStorage() {
        long gets = storage.count(Operation.GET);
        long puts = storage.count(Operation.PUT);

        HttpResponse<String> preflight = browser.options("/notes/cors", "Origin", "http://other.example",
                "Access-Control-Request-Method", "POST");

        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://other.example");
        assertThat(preflight.headers().allValues("Set-Cookie")).as("no cookie").isEmpty();
        assertThat(storage.count(Operation.GET)).isEqualTo(gets);
        assertThat(storage.count(Operation.PUT)).isEqualTo(puts);
    }

    @Test
    void aHeadRequestRecoversAndWritesNothing() {
        assertThat(browser.post("/notes", "text=a").statusCode()).isEqualTo(200);
        long puts = storage.count(Operation.PUT);
        HttpResponse<String> head = browser.head("/notes", REJOIN);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(storage.count(Operation.PUT)).isEqualTo(puts);
    }
}
