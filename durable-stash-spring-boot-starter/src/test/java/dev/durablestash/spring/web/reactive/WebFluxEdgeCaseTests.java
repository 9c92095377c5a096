package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;

import dev.durablestash.testsupport.ExpectedLogs;
import dev.durablestash.spring.web.reactive.testapp.FluxTestApplication;
import dev.durablestash.spring.web.reactive.testapp.Gate;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

/** The WebFlux integration: each test states a part of the contract. */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=3s" })
class WebFluxEdgeCaseTests extends FluxAppTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash")
            .allow(Level.WARN, "failed, answering 503");

    @AfterEach
    void openGate() {
        Gate.open(); // the base class clears the faults after this
    }

    @Test
    void aHandlerReadingTheRawFormBodyStillGetsItAfterTheMountKindWasLookedUp() {
        assertThat(browser.post("/r9/raw", "a=1&b=2", REJOIN).getResponseBody()).as("mount kind from the header")
                .isEqualTo("raw=a=1&b=2");
        EntityExchangeResult<String> raw = browser.post("/r9/raw", "a=1&b=2");
        assertThat(raw.getStatus().value()).as("raw body").isEqualTo(200);
        assertThat(raw.getResponseBody()).isEqualTo("raw=a=1&b=2");
    }

    @Test
    void aMultipartFormWithTheHiddenMountsFieldRejoins() {
        browser.post("/r9/draft?d=hello", "", REJOIN);
        assertThat(browser.get("/r9", REJOIN).getResponseBody()).endsWith("draft=hello");
        MultipartBodyBuilder form = new MultipartBodyBuilder();
        form.part("_mounts", "1");
        form.part("file", "content").filename("a.txt");
        EntityExchangeResult<String> upload = browser.client.post().uri("/r9/upload")
                .header("Cookie", "sid=" + browser.sid())
                .contentType(MediaType.MULTIPART_FORM_DATA).body(BodyInserters.fromMultipartData(form.build()))
                .exchange().expectBody(String.class).returnResult();
        assertThat(upload.getResponseBody()).as("the form's _mounts=1 means a rejoin").isEqualTo("draft=hello");
        assertThat(browser.get("/r9", REJOIN).getResponseBody()).as("not cleared").endsWith("draft=hello");
    }

    @Test
    void aMultipartFormsPartsStillReachTheHandlerAfterTheMountKindWasLookedUpInThem() {
        browser.post("/r9/draft?d=kept", "", REJOIN);
        MultipartBodyBuilder form = new MultipartBodyBuilder();
        form.part("_mounts", "1");
        form.part("note", "hi");
        form.part("file", "content").filename("a.txt");
        EntityExchangeResult<String> upload = browser.client.post().uri("/r9/upload-file")
                .header("Cookie", "sid=" + browser.sid())
                .contentType(MediaType.MULTIPART_FORM_DATA).body(BodyInserters.fromMultipartData(form.build()))
                .exchange().expectBody(String.class).returnResult();
        assertThat(upload.getResponseBody()).isEqualTo("draft=kept;file=content;note=hi");
    }

    @Test
    void aFormBodyLargerThanTheFormReadersLimitIsAnsweredContentTooLargeWhenItsMountsFieldIsNeeded() {
        browser.get("/r9");
        String big = "a=" + "x".repeat(300 * 1024);
        assertThat(browser.post("/r9/raw", big).getStatus().value()).as("no mount kind but in the body").isEqualTo(413);
        assertThat(browser.get("/r9", REJOIN).getResponseBody()).as("the handler did not run").startsWith("count=0;");
        assertThat(browser.post("/r9/raw?_mounts=1", "a=1").getResponseBody()).as("the query: the body is not copied")
                .isEqualTo("raw=a=1");
    }

    @Test
    void aFailedStashNeverAnswersSuccessForAHandlerThatWritesOrCompletesTheResponseItselfOrStreamsEvents() {
        browser.get("/r9");
        for (String path : new String[] { "/r9/direct", "/r9/complete" }) {
            storage.failNext(Operation.PUT, 1);
            EntityExchangeResult<String> failed = browser.post(path, "", REJOIN);
            assertThat(failed.getStatus().value()).as(path).isEqualTo(503);
        }
        storage.failNext(Operation.PUT, 1);
        EntityExchangeResult<String> sse = browser.get("/r9/sse", REJOIN);
        assertThat(sse.getStatus().value()).as("sse").isEqualTo(503);
        storage.clearFaults();
        assertThat(browser.get("/r9", REJOIN).getResponseBody()).startsWith("count=0;");
    }

    @Test
    void aClientThatGoesAwayHandsTheTurnOn() {
        browser.get("/r9");
        WebClient client = WebClient.create("http://localhost:" + port);
        try {
            client.post().uri("/r9/hang").header("Cookie", "sid=" + browser.sid()).header("X-Stash-Mounts", "1")
                    .retrieve().bodyToMono(String.class).timeout(Duration.ofMillis(500)).block();
        } catch (RuntimeException expected) {
            // the client gave up
        }
        long started = System.nanoTime();
        EntityExchangeResult<String> next = browser.get("/r9", REJOIN);
        assertThat(next.getStatus().value()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the turn was handed on at the disconnect")
                .isLessThan(Duration.ofMillis(2500));
    }

    /**
     * A client that aborts while its exchange waits for an atomic view's turn (a closed tab, an
     * aborted fetch, htmx replacing a request) must not leave the turn held once it is granted: seen
     * failing, every later request of that browser session to the view answers 503 at the operation
     * timeout, with no end (ExchangeViews.bind registers hold() with whenComplete on the stage it hands
     * to Mono.fromCompletionStage; Reactor cancels that stage, and a cancelled whenComplete stage never
     * runs its action, so the granted turn is never closed).
     */
    @Test
    void aClientThatGoesAwayWhileWaitingForTheTurnDoesNotKeepItOnceGranted() throws Exception {
        browser.get("/counter");
        Gate.close();
        CompletableFuture<EntityExchangeResult<String>> held = CompletableFuture.supplyAsync(
                () -> browser.post("/counter/gated-increment", "", REJOIN));
        Gate.entered().get(30, TimeUnit.SECONDS);
        WebClient client = WebClient.create("http://localhost:" + port);
        try {
            client.post().uri("/counter/increment-body").header("Cookie", "sid=" + browser.sid())
                    .header("X-Stash-Mounts", "1").retrieve().bodyToMono(String.class)
                    .timeout(Duration.ofMillis(300)).block();
        } catch (RuntimeException expected) {
            // the client gave up while its exchange waited for the turn
        }
        Thread.sleep(200);
        Gate.open();
        assertThat(held.get(30, TimeUnit.SECONDS).getResponseBody()).isEqualTo("1");
        long started = System.nanoTime();
        EntityExchangeResult<String> next = browser.post("/counter/increment-body", "", REJOIN);
        assertThat(next.getStatus().value()).isEqualTo(200);
        assertThat(next.getResponseBody()).as("the abandoned exchange changed nothing").isEqualTo("2");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
    }
}
