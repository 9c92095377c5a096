package dev.durablestash.spring.web.servlet;

import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.durablestash.spring.web.TurnWatch;
import dev.durablestash.spring.web.servlet.testapp.Gate;
import dev.durablestash.spring.web.servlet.testapp.Pending;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

import static dev.durablestash.spring.web.TurnWatch.assertQueued;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Asynchronous handlers over real HTTP (Spring MVC's async dispatch on Tomcat). Deferred results
 * ({@code Callable}, {@code DeferredResult}, {@code CompletableFuture}, {@code WebAsyncTask}) are
 * stashed once, after the result is produced and before it is written, and hold the view's turn
 * until then. Streaming responses ({@code SseEmitter}, {@code ResponseBodyEmitter}) are stashed
 * before their first byte; later changes need {@code Stash.stashNow()}.
 */
class AsyncHandlersMvcIntegrationTests extends RunningMvcTestApp {

    private TurnWatch turns;

    @BeforeEach
    void setUp() {
        turns = TurnWatch.attach();
        Pending.clear();
        Gate.arm();
    }

    @AfterEach
    void tearDown() {
        Gate.open();
        turns.close();
        Pending.clear();
    }

    @ParameterizedTest
    @ValueSource(strings = { "callable", "deferred", "future", "task", "mono", "entity-mono" })
    void aDeferredResultIsStashedOnceAfterItIsProducedAndBeforeItIsWritten(String kind) throws Exception {
        browser.get("/async");
        long puts = storage.count(Operation.PUT);
        CompletableFuture<HttpResponse<String>> response = browser.postAsync("/async/" + kind, "", REJOIN);
        if (kind.equals("deferred") || kind.equals("future")) {
            Pending.take().run();
        }
        HttpResponse<String> answered = response.get(30, TimeUnit.SECONDS);
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(answered.body()).isEqualTo("count=1;note=" + kind);
        assertThat(storage.count(Operation.PUT) - puts).as("one stash: the handler's and the result's changes")
                .isEqualTo(1);
        assertThat(browser.get("/async", REJOIN).body()).isEqualTo("count=1;note=" + kind);
    }

    @ParameterizedTest
    @ValueSource(strings = { "callable", "task", "mono", "entity-mono" })
    void aSingleValueWhoseStashFailsAnswersTheFailureStatusNeverASuccess(String kind) throws Exception {
        logs.expect(Level.WARN, "answering 503 to POST /async/" + kind);
        browser.get("/async");
        storage.failNext(Operation.PUT, 1);
        HttpResponse<String> answered = browser.postAsync("/async/" + kind, "", REJOIN).get(30, TimeUnit.SECONDS);
        storage.clearFaults();
        assertThat(answered.statusCode()).isEqualTo(503);
        assertThat(browser.get("/async", REJOIN).body()).startsWith("count=0;");
    }

    @Test
    void aDeferredResultHoldsTheTurnUntilItIsStashed() throws Exception {
        browser.get("/async");
        CompletableFuture<HttpResponse<String>> deferred = browser.postAsync("/async/deferred", "", REJOIN);
        Runnable produceResult = Pending.take();
        CompletableFuture<Void> nextWaits = turns.nextWaitFor("async");
        CompletableFuture<HttpResponse<String>> next = browser.postAsync("/async/increment", "", REJOIN);
        assertQueued(nextWaits, next);

        produceResult.run();
        assertThat(deferred.get(30, TimeUnit.SECONDS).body()).isEqualTo("count=1;note=deferred");
        assertThat(next.get(30, TimeUnit.SECONDS).body()).isEqualTo("count=2;note=deferred");
    }

    @Test
    void aCallableHoldsTheTurnUntilItIsStashed() throws Exception {
        browser.get("/async");
        CompletableFuture<HttpResponse<String>> callable = browser.postAsync("/async/gated-callable", "", REJOIN);
        Gate.awaitEntered(); // the callable runs on Spring MVC's executor; the first dispatch is over
        CompletableFuture<Void> nextWaits = turns.nextWaitFor("async");
        CompletableFuture<HttpResponse<String>> next = browser.postAsync("/async/increment", "", REJOIN);
        assertQueued(nextWaits, next);

        Gate.open();
        assertThat(callable.get(30, TimeUnit.SECONDS).body()).isEqualTo("count=1;note=gated-callable");
        assertThat(next.get(30, TimeUnit.SECONDS).body()).isEqualTo("count=2;note=gated-callable");
    }

    @Test
    void aForwardToAnAsynchronousHandlerOfAnotherViewDoesNotHoldTheForwardingViewsTurnWhileTheResultIsPending()
            throws Exception {
        browser.get("/forward");
        CompletableFuture<HttpResponse<String>> forwarding = browser.postAsync(
                "/forward/increment-then-forward-to-gated-callable", "", REJOIN);
        Gate.awaitEntered(); // forwards=1 was stashed before the forward; the callable's result is pending

        HttpResponse<String> next = browser.postAsync("/forward/increment", "", REJOIN).get(30, TimeUnit.SECONDS);
        assertThat(next.statusCode()).as("got the forwarding view's turn, not a turn timeout").isEqualTo(200);
        assertThat(next.body()).as("recovered after the stash before the forward").isEqualTo("forwards=2");
        assertThat(forwarding).as("while the result is still pending").isNotDone();

        CompletableFuture<Void> asyncWaits = turns.nextWaitFor("async");
        CompletableFuture<HttpResponse<String>> asyncNext = browser.postAsync("/async/increment", "", REJOIN);
        assertQueued(asyncWaits, asyncNext); // the asynchronous handler's own view keeps its turn

        Gate.open();
        assertThat(forwarding.get(30, TimeUnit.SECONDS).body()).isEqualTo("count=1;note=gated-callable");
        assertThat(asyncNext.get(30, TimeUnit.SECONDS).body()).as("recovered after the result's stash")
                .isEqualTo("count=2;note=gated-callable");
        assertThat(browser.get("/forward", REJOIN).body()).isEqualTo("forwards=2");
    }

    @Test
    void aForwardToAnAsynchronousHandlerOfTheSameViewKeepsItsTurnUntilTheResultIsStashed() throws Exception {
        browser.get("/async");
        CompletableFuture<HttpResponse<String>> forwarding = browser.postAsync(
                "/async/increment-then-forward-to-gated-callable", "", REJOIN);
        Gate.awaitEntered(); // count=1 was stashed before the forward; the callable made it 2, not stashed
        CompletableFuture<Void> nextWaits = turns.nextWaitFor("async");
        CompletableFuture<HttpResponse<String>> next = browser.postAsync("/async/increment", "", REJOIN);
        assertQueued(nextWaits, next);

        Gate.open();
        assertThat(forwarding.get(30, TimeUnit.SECONDS).body()).isEqualTo("count=2;note=gated-callable");
        assertThat(next.get(30, TimeUnit.SECONDS).body()).as("three increments, none lost")
                .isEqualTo("count=3;note=gated-callable");
    }

    @Test
    void anAsyncTimeoutHandsTheTurnOnAndStashesNothing() throws Exception {
        browser.get("/async");
        HttpResponse<String> timedOut = browser.post("/async/deferred-timeout", "", REJOIN);
        assertThat(timedOut.body()).as("the app's catch-all answered the timeout")
                .isEqualTo("caught AsyncRequestTimeoutException");
        HttpResponse<String> next = browser.post("/async/increment", "", REJOIN);
        assertThat(next.statusCode()).as("got the turn, not a turn timeout").isEqualTo(200);
        assertThat(next.body()).isEqualTo("count=1;note=null");
    }

    @Test
    void aStreamOfAViewWhoseJsonDiffersOnEveryWriteLogsAWarningNotAFalseError() throws Exception {
        // As on WebFlux: such a value counts as changed however often it is stashed, so the stream's end
        // cannot tell a change made while streaming; it says so at WARN, not as a change made while streaming.
        logs.expect(Level.WARN, "[ticker] of view 'TickStreamController' in /tick-stream differs each time");
        CompletableFuture<HttpResponse<String>> stream = browser.postAsync("/tick-stream", "", REJOIN);
        Pending.take().run();
        Pending.take().run();
        assertThat(stream.get(30, TimeUnit.SECONDS).body()).contains("tick 0");
        assertThat(logs.messages(Level.ERROR)).isEmpty();
    }

    @Test
    void aPlainRequestOfAViewWhoseJsonDiffersOnEveryWriteLogsAWarningNotAFalseError() throws Exception {
        // the body written after the stash commits the response, and the value counts as changed.
        logs.expect(Level.WARN, "[ticker] of view 'TickStreamController' in /tick-plain differs each time");
        for (int i = 0; i < 2; i++) { // the second, with the cookie, commits its response after the stash
            assertThat(browser.post("/tick-plain", "", REJOIN).body()).isEqualTo("tick 0;count=0");
        }
        // Each request logs its WARN as its exchange ends, which can be after the client has the answer: wait
        // for both, so that neither comes after the test (and the capture) ended.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (logs.messages(Level.WARN).size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(logs.messages(Level.WARN)).hasSize(2).allMatch(
                (message) -> message.contains("of view 'TickStreamController' in /tick-plain differs each time"));
        assertThat(logs.messages(Level.ERROR)).isEmpty();
    }

    @Test
    void aWarningForSuchAValueDoesNotHideALaterRealChangesError() throws Exception {
        // the warning of a stash made while streaming (a rotation) kept the later change's ERROR out.
        logs.expect(Level.WARN, "[ticker] of view 'TickStreamController'");
        logs.expect(Level.ERROR, "[TickStreamController] in /tick-stream/rotate-then-count are NOT stashed: they "
                + "were made after the response started streaming");
        CompletableFuture<HttpResponse<String>> stream = browser.postAsync("/tick-stream/rotate-then-count", "", REJOIN);
        Runnable step = Pending.take();
        Thread.sleep(700); // the handler's own stash, before the stream starts, runs first
        step.run();
        assertThat(stream.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = { "sse", "emitter", "any-entity-sse" })
    void aStreamingResponseIsStashedBeforeItsFirstByteAndDoesNotHoldTheTurnWhileItStreams(String kind)
            throws Exception {
        logs.expect(Level.ERROR, "are NOT stashed: they were made after the response started streaming");
        browser.get("/async");
        CompletableFuture<HttpResponse<String>> stream = browser.postAsync("/async/" + kind, "", REJOIN);
        Pending.take().run(); // the first event: count=1 was stashed before it

        HttpResponse<String> meanwhile = browser.post("/async/increment", "", REJOIN);
        assertThat(meanwhile.statusCode()).as("not held up by the stream").isEqualTo(200);
        assertThat(meanwhile.body()).isEqualTo("count=2;note=null");

        Pending.take().run(); // changes note, without stashNow(), and completes the stream
        HttpResponse<String> streamed = stream.get(30, TimeUnit.SECONDS);
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.body()).contains("count=1;note=null");
        assertThat(browser.get("/async", REJOIN).body()).as("a change made while streaming needs stashNow()")
                .isEqualTo("count=2;note=null");
    }

    @Test
    void aStreamingHandlerStoresChangesMadeWhileStreamingWithStashNow() throws Exception {
        // The starter may report the change as not stashed when its end-of-stream check runs between the
        // handler's assignment and its stashNow() (the change is stashed all the same, as checked below).
        logs.allow(Level.ERROR, "are NOT stashed: they were made after the response started streaming");
        browser.get("/async");
        CompletableFuture<HttpResponse<String>> stream = browser.postAsync("/async/sse-stash-now", "", REJOIN);
        Pending.take().run();
        Pending.take().run();
        HttpResponse<String> streamed = stream.get(30, TimeUnit.SECONDS);
        assertThat(streamed.body()).contains("count=1;note=null", "count=1;note=stashed while streaming");
        assertThat(browser.get("/async", REJOIN).body()).isEqualTo("count=1;note=stashed while streaming");
    }
}
