package dev.durablestash.spring.web.servlet;

import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.durablestash.spring.web.TurnWatch;
import dev.durablestash.spring.web.servlet.testapp.Gate;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Handlers returning a {@code Flux} over real HTTP (Tomcat). Spring MVC streams a {@code Flux} only in
 * some media types (server-sent events, also for elements of type {@code ServerSentEvent}, JSON lines,
 * text for elements that are character sequences); any other it collects into one list, written on an
 * async dispatch, like a deferred result. A collected {@code Flux} is stashed once it completed, on that
 * dispatch, before the list is written, holding the view's turn until then: what it changes while its
 * values are produced is stored, and the browser's next request to the view sees it. A streamed
 * {@code Flux} is stashed when the handler method returns and does not hold the turn while it streams.
 */
class FluxHandlersMvcIntegrationTests extends RunningMvcTestApp {

    private static final String[] ACCEPT_JSON = { Browser.REJOIN, "1", "Accept", "application/json" };

    private TurnWatch turns;

    @BeforeEach
    void setUp() {
        turns = TurnWatch.attach();
        Gate.arm();
    }

    @AfterEach
    void tearDown() {
        Gate.open();
        turns.close();
    }

    /**
     * Seen failing before: the views were stashed when the handler method returned, before the
     * {@code Flux} was subscribed, so its changes were never stored (and reported at ERROR).
     */
    @ParameterizedTest
    @CsvSource({ "json-flux, '[1,2]'", "entity-json-flux, '[1,2]'" })
    void theChangesAJsonFluxMakesWhileItIsProducedAreStoredBeforeTheListIsWritten(String kind, String values) {
        browser.get("/async");
        long puts = storage.count(Operation.PUT);

        HttpResponse<String> posted = browser.post("/async/" + kind, "", ACCEPT_JSON);

        assertThat(posted.statusCode()).isEqualTo(200);
        assertThat(posted.body()).isEqualTo(values);
        assertThat(storage.count(Operation.PUT) - puts).as("one stash: the handler's and the Flux's changes")
                .isEqualTo(1);
        assertThat(browser.get("/async", REJOIN).body()).isEqualTo("count=2;note=" + kind);
    }

    /**
     * The browser's next request to the view waits for the {@code Flux}'s turn, held until its change is
     * stored: no update is lost. Seen failing before: the turn was handed on as the handler method
     * returned, the next request read the old count, and the {@code Flux}'s change was never stored.
     */
    @Test
    void theNextRequestOfTheBrowserSeesTheChangeOfAJsonFluxStillBeingProduced() throws Exception {
        browser.get("/async");
        CompletableFuture<HttpResponse<String>> flux = browser.postAsync("/async/gated-json-flux", "", ACCEPT_JSON);
        Gate.awaitEntered(); // the handler method returned; the Flux's value waits at the gate, on another thread
        CompletableFuture<Void> nextWaits = turns.nextWaitFor("async");
        CompletableFuture<HttpResponse<String>> next = browser.postAsync("/async/increment", "", REJOIN);
        CompletableFuture.anyOf(nextWaits, next).get(30, TimeUnit.SECONDS); // queued, or (wrongly) answered

        Gate.open();
        assertThat(flux.get(30, TimeUnit.SECONDS).body()).isEqualTo("[1]");
        assertThat(next.get(30, TimeUnit.SECONDS).body()).as("it saw the Flux's change").isEqualTo("count=2;note=null");
        assertThat(nextWaits).as("it waited for the Flux's turn").isDone();
        assertThat(browser.get("/async", REJOIN).body()).isEqualTo("count=2;note=null");
    }

    /**
     * A {@code Flux} that fails stashes nothing, like a handler that fails. Seen failing before: the
     * handler method's change was stashed as it returned ({@code count=100}).
     */
    @Test
    void aJsonFluxThatFailsWhileItIsProducedStashesNothing() {
        browser.get("/async");

        HttpResponse<String> posted = browser.post("/async/failing-json-flux", "", ACCEPT_JSON);

        assertThat(posted.body()).as("the app's catch-all answered the error")
                .isEqualTo("caught IllegalStateException");
        assertThat(browser.get("/async", REJOIN).body()).isEqualTo("count=0;note=null");
    }

    /** Passes before and after: before, the stash that failed was the one made as the handler returned. */
    @ParameterizedTest
    @ValueSource(strings = { "json-flux", "entity-json-flux" })
    void aJsonFluxWhoseStashFailsAnswersTheFailureStatusNeverASuccess(String kind) {
        logs.expect(Level.WARN, "answering 503 to POST /async/" + kind);
        browser.get("/async");
        storage.failNext(Operation.PUT, 1);

        HttpResponse<String> posted = browser.post("/async/" + kind, "", ACCEPT_JSON);
        storage.clearFaults();

        assertThat(posted.statusCode()).isEqualTo(503);
        assertThat(browser.get("/async", REJOIN).body()).isEqualTo("count=0;note=null");
    }

    /**
     * Each way Spring MVC decides to stream a {@code Flux}: the media type the handler produces or the
     * request accepts, the content type of a {@code ResponseEntity} (also one declared of any body), the
     * type of the elements.
     */
    @ParameterizedTest
    @CsvSource({ "sse-flux, */*, text/event-stream", "sse-event-flux, */*, text/event-stream",
            "entity-sse-flux, */*, text/event-stream", "any-entity-sse-flux, */*, text/event-stream",
            "ndjson-flux, application/x-ndjson, application/x-ndjson",
            "text-flux, application/json, application/json" })
    void aStreamedFluxIsStashedWhenTheHandlerReturnsAndDoesNotHoldTheTurnWhileItStreams(String kind, String accept,
            String contentType) throws Exception {
        browser.get("/async");
        CompletableFuture<HttpResponse<String>> stream = browser.postAsync("/async/" + kind, "", Browser.REJOIN,
                "1", "Accept", accept);
        Gate.awaitEntered(); // the handler method returned; the stream waits for its first value

        HttpResponse<String> meanwhile = browser.post("/async/increment", "", REJOIN);
        assertThat(meanwhile.statusCode()).as("not held up by the stream").isEqualTo(200);
        assertThat(meanwhile.body()).as("the handler's change was stashed as it returned")
                .isEqualTo("count=2;note=null");
        assertThat(stream).as("the stream still waits for its first value").isNotDone();

        Gate.open();
        HttpResponse<String> streamed = stream.get(30, TimeUnit.SECONDS);
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.headers().firstValue("Content-Type")).as("streamed, not collected").hasValueSatisfying(
                type -> assertThat(type).startsWith(contentType));
        assertThat(streamed.body()).contains("1");
        assertThat(browser.get("/async", REJOIN).body()).isEqualTo("count=2;note=null");
    }
}
