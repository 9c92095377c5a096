package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.web.reactive.function.client.WebClient;

import dev.durablestash.spring.web.reactive.testapp.FluxTestApplication;
import dev.durablestash.spring.web.reactive.testapp.Gate;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * A view handler that returns a stream (a {@code Flux}, here server-sent events) is stashed, and hands
 * its turn on, when the handler method returns, before its body is subscribed, as on Spring MVC: an open
 * stream that waits for its first event never holds the view's turn.
 */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=3s" })
class WebFluxOpenStreamTurnTests extends FluxAppTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash")
            .allow(Level.WARN, "failed, answering 503");

    @AfterEach
    void openGate() {
        Gate.open(); // the base class clears the faults after this
    }

    /**
     * Seen failing before streams were stashed as their handler returned: the stash (and the hand-on of
     * the turn) waited for the stream's first event, so the other request waited for the turn and was
     * answered 503 at the operation timeout.
     */
    @Test
    void anOpenEventStreamWaitingForItsFirstEventDoesNotHoldTheViewsTurn() throws Exception {
        assertThat(browser.post("/counter/increment-body", "", REJOIN).getResponseBody()).isEqualTo("1");
        Gate.close();
        CompletableFuture<List<String>> events = WebClient.create("http://localhost:" + port).get()
                .uri("/counter/events").header("Cookie", "sid=" + browser.sid()).header("X-Stash-Mounts", "1")
                .retrieve().bodyToFlux(String.class).collectList().toFuture();
        Gate.entered().get(30, TimeUnit.SECONDS); // the handler returned; its stream waits for its first event

        EntityExchangeResult<String> next = browser.post("/counter/increment-body", "", REJOIN);

        assertThat(events).as("the stream still waits for its first event").isNotDone();
        assertThat(next.getStatus().value()).as("the view's other request got the turn").isEqualTo(200);
        assertThat(next.getResponseBody()).as("the stream's change was stashed as its handler returned")
                .isEqualTo("3");
        Gate.open();
        assertThat(events.get(30, TimeUnit.SECONDS)).containsExactly("count=2");
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).startsWith("count=3;");
    }

    /** As the event stream, for JSON lines (application/x-ndjson), another media type written as a stream. */
    @Test
    void anOpenJsonLinesStreamWaitingForItsFirstElementDoesNotHoldTheViewsTurn() throws Exception {
        assertThat(browser.post("/counter/increment-body", "", REJOIN).getResponseBody()).isEqualTo("1");
        Gate.close();
        CompletableFuture<List<String>> lines = WebClient.create("http://localhost:" + port).get()
                .uri("/counter/ndjson").header("Cookie", "sid=" + browser.sid()).header("X-Stash-Mounts", "1")
                .retrieve().bodyToFlux(String.class).collectList().toFuture();
        Gate.entered().get(30, TimeUnit.SECONDS); // the handler returned; its stream waits for its first element

        EntityExchangeResult<String> next = browser.post("/counter/increment-body", "", REJOIN);

        assertThat(lines).as("the stream still waits for its first element").isNotDone();
        assertThat(next.getStatus().value()).as("the view's other request got the turn").isEqualTo(200);
        assertThat(next.getResponseBody()).as("the stream's change was stashed as it started").isEqualTo("3");
        Gate.open();
        assertThat(lines.get(30, TimeUnit.SECONDS)).containsExactly("count=2");
    }

    /**
     * As the bare event stream, for one that is the body of a {@code ResponseEntity} a {@code Mono}
     * produces. Seen failing before: only a stream returned by the handler method, or as the body of the
     * entity it returned, was stashed as it started; this one was stashed at its first event and held
     * the view's turn until then, so the other request was answered 503 at the operation timeout.
     */
    @Test
    void anOpenEventStreamInAMonoOfAResponseEntityDoesNotHoldTheViewsTurn() throws Exception {
        assertThat(browser.post("/counter/increment-body", "", REJOIN).getResponseBody()).isEqualTo("1");
        Gate.close();
        CompletableFuture<List<String>> events = WebClient.create("http://localhost:" + port).get()
                .uri("/counter/events-entity").header("Cookie", "sid=" + browser.sid()).header("X-Stash-Mounts", "1")
                .retrieve().bodyToFlux(String.class).collectList().toFuture();
        Gate.entered().get(30, TimeUnit.SECONDS); // the entity was produced; its stream waits for its first event

        EntityExchangeResult<String> next = browser.post("/counter/increment-body", "", REJOIN);

        assertThat(events).as("the stream still waits for its first event").isNotDone();
        assertThat(next.getStatus().value()).as("the view's other request got the turn").isEqualTo(200);
        assertThat(next.getResponseBody()).as("the stream's change was stashed as it started").isEqualTo("3");
        Gate.open();
        assertThat(events.get(30, TimeUnit.SECONDS)).containsExactly("count=2");
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).startsWith("count=3;");
    }

    /**
     * A functional route's event stream: stashed, and the view's turn handed on, as it starts. Seen failing
     * before: it was stashed at its first event and held the view's turn until then, so the other request
     * was answered 503 at the operation timeout.
     */
    @Test
    void aFunctionalRoutesOpenEventStreamDoesNotHoldTheViewsTurn() throws Exception {
        assertOpenRouteStreamHoldsNoTurn("/tally/events");
    }

    /** As {@link #aFunctionalRoutesOpenEventStreamDoesNotHoldTheViewsTurn}, the body given as a BodyInserter. */
    @Test
    void aFunctionalRoutesOpenEventStreamWrittenByABodyInserterDoesNotHoldTheViewsTurn() throws Exception {
        assertOpenRouteStreamHoldsNoTurn("/tally/events-inserter");
    }

    /**
     * As {@link #aFunctionalRoutesOpenEventStreamDoesNotHoldTheViewsTurn}, for text given as a BodyInserter,
     * which WebFlux writes with {@code writeWith} (not as a stream of flushes). Seen failing before: it was
     * stashed at its first element and held the view's turn until then, so the other request was answered
     * 503 at the operation timeout.
     */
    @Test
    void aFunctionalRoutesOpenTextStreamWrittenByABodyInserterDoesNotHoldTheViewsTurn() throws Exception {
        assertOpenRouteStreamHoldsNoTurn("/tally/text-inserter");
    }

    /** As the text stream, for raw bytes given as a BodyInserter of data buffers. Seen failing before, too. */
    @Test
    void aFunctionalRoutesOpenByteStreamWrittenByABodyInserterDoesNotHoldTheViewsTurn() throws Exception {
        assertOpenRouteStreamHoldsNoTurn("/tally/bytes-inserter");
    }

    /**
     * As the text stream, for JSON lines written as strings, which WebFlux's text writer writes with
     * {@code writeWith} too. Seen failing before, too.
     */
    @Test
    void aFunctionalRoutesOpenJsonLinesStreamOfStringsWrittenByABodyInserterDoesNotHoldTheViewsTurn()
            throws Exception {
        assertOpenRouteStreamHoldsNoTurn("/tally/lines-inserter", "\"total=6\""); // the line, a JSON string
    }

    private void assertOpenRouteStreamHoldsNoTurn(String path) throws Exception {
        assertOpenRouteStreamHoldsNoTurn(path, "total=6");
    }

    private void assertOpenRouteStreamHoldsNoTurn(String path, String element) throws Exception {
        assertThat(browser.post("/tally/add", "", REJOIN).getResponseBody()).isEqualTo("total=5");
        Gate.close();
        CompletableFuture<List<String>> events = WebClient.create("http://localhost:" + port).get()
                .uri(path).header("Cookie", "sid=" + browser.sid()).header("X-Stash-Mounts", "1")
                .retrieve().bodyToFlux(String.class).collectList().toFuture();
        Gate.entered().get(30, TimeUnit.SECONDS); // the route answered; its stream waits for its first event

        EntityExchangeResult<String> next = browser.post("/tally/add", "", REJOIN);

        assertThat(events).as("the stream still waits for its first event").isNotDone();
        assertThat(next.getStatus().value()).as("the view's other request got the turn").isEqualTo(200);
        assertThat(next.getResponseBody()).as("the stream's change was stashed as it started").isEqualTo("total=11");
        Gate.open();
        assertThat(events.get(30, TimeUnit.SECONDS)).containsExactly(element);
        assertThat(browser.get("/tally", REJOIN).getResponseBody()).isEqualTo("total=11");
    }

    /**
     * A functional route's stream given as a BodyInserter, whose stash fails as it starts: as an annotated
     * handler's. Seen failing before for the text stream: it was subscribed before it was stashed, and the
     * request got no answer while its first element waited at the gate.
     */
    @ParameterizedTest
    @ValueSource(strings = { "/tally/events-inserter", "/tally/text-inserter" })
    void aFunctionalRoutesStreamWhoseStashFailsAsItStartsAnswersTheFailureStatusAndIsNeverSubscribed(String path) {
        assertThat(browser.post("/tally/add", "", REJOIN).getResponseBody()).isEqualTo("total=5");
        Gate.close();
        storage.failNext(Operation.PUT, 1);

        EntityExchangeResult<String> failed = browser.get(path, REJOIN);

        assertThat(failed.getStatus().value()).isEqualTo(503);
        assertThat(failed.getResponseHeaders().getContentType()).as("the error's body, no stream")
                .isEqualTo(MediaType.APPLICATION_JSON);
        assertThat(Gate.entered()).as("its body was never subscribed").isNotDone();
        EntityExchangeResult<String> next = browser.post("/tally/add", "", REJOIN);
        assertThat(next.getStatus().value()).as("the turn was handed on").isEqualTo(200);
        assertThat(next.getResponseBody()).as("the failed stream's change was not stored").isEqualTo("total=10");
    }

    @Test
    void aStreamWhoseStashFailsAsItsHandlerReturnsAnswersTheFailureStatusAndIsNeverSubscribed() {
        browser.post("/counter/increment-body", "", REJOIN);
        Gate.close();
        storage.failNext(Operation.PUT, 1);

        EntityExchangeResult<String> failed = browser.get("/counter/events", REJOIN);

        assertThat(failed.getStatus().value()).isEqualTo(503);
        assertThat(failed.getResponseHeaders().getContentType()).as("no event stream is announced").isNull();
        assertThat(Gate.entered()).as("its body was never subscribed").isNotDone();
        EntityExchangeResult<String> next = browser.post("/counter/increment-body", "", REJOIN);
        assertThat(next.getStatus().value()).as("the turn was handed on").isEqualTo(200);
        assertThat(next.getResponseBody()).as("the failed stream's change was not stored").isEqualTo("2");
    }
}
