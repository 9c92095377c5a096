package dev.durablestash.spring.web.reactive;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.durablestash.spring.web.BoundViews;
import dev.durablestash.spring.web.reactive.testapp.FluxTestApplication;
import dev.durablestash.spring.web.reactive.testapp.Gate;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An exchange waits for its atomic view's turn without holding a thread, and one that cannot get it
 * within the operation timeout answers 503 and changes nothing.
 */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=500ms" })
class AtomicViewTimeoutWebFluxTests {

    static final Duration OPERATION_TIMEOUT = Duration.ofMillis(500);

    private static final String[] REJOIN = { "X-Stash-Mounts", "1" };

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    @AfterEach
    void open() {
        Gate.open();
        ((InMemoryStorageBackend) backend).clearFaults();
    }

    @Test
    void anExchangeThatCannotGetTheTurnInTimeAnswersTheFailureStatusAndOthersAreServedMeanwhile() throws Exception {
        logs.expect(Level.WARN, "answering 503 to POST /counter/increment-body");
        FluxClient browser = new FluxClient(port);
        browser.get("/counter");
        Gate.close();
        CompletableFuture<EntityExchangeResult<String>> held = CompletableFuture.supplyAsync(
                () -> browser.post("/counter/gated-increment", "", REJOIN));
        Gate.entered().get(30, TimeUnit.SECONDS);

        CompletableFuture<EntityExchangeResult<String>> waiting = CompletableFuture.supplyAsync(
                () -> browser.post("/counter/increment-body", "", REJOIN));
        FluxClient other = new FluxClient(port);
        for (int i = 0; i < 8; i++) { // more than the event-loop threads: none of them is held by the waits
            assertThat(other.post("/counter/increment-body", "").getResponseBody()).isEqualTo(String.valueOf(i + 1));
        }

        long started = System.nanoTime();
        EntityExchangeResult<String> timedOut = waiting.get(30, TimeUnit.SECONDS);
        assertThat(timedOut.getStatus().value()).isEqualTo(503);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered at the deadline")
                .isLessThan(OPERATION_TIMEOUT.plus(BoundViews.WAIT_MARGIN).plusSeconds(2));

        Gate.open();
        assertThat(held.get(30, TimeUnit.SECONDS).getResponseBody()).isEqualTo("1");
        assertThat(browser.post("/counter/increment-body", "", REJOIN).getResponseBody())
                .as("the timed-out exchange changed nothing").isEqualTo("2");
    }

    /** Contract rule 14 over HTTP: a stash whose write does not answer in time fails the exchange at its deadline. */
    @Test
    void anExchangeWhoseStashStallsAnswersTheFailureStatusAtTheDeadline() {
        logs.expect(Level.WARN, "answering 503 to POST /counter/increment-body");
        FluxClient browser = new FluxClient(port);
        browser.get("/counter");
        ((InMemoryStorageBackend) backend).setLatency(Operation.PUT, Duration.ofSeconds(5));

        long started = System.nanoTime();
        EntityExchangeResult<String> timedOut = browser.post("/counter/increment-body", "", REJOIN);
        Duration waited = Duration.ofNanos(System.nanoTime() - started);
        assertThat(timedOut.getStatus().value()).isEqualTo(503);
        assertThat(waited).as("answered at the deadline, not when the write answers, plus a margin for a busy machine")
                .isLessThan(OPERATION_TIMEOUT.plus(BoundViews.WAIT_MARGIN).plusSeconds(2));
    }
}
