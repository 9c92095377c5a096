package dev.durablestash.spring.web.servlet;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

import dev.durablestash.spring.autoconfigure.StashSettingsCustomizer;
import dev.durablestash.spring.web.BoundViews;
import dev.durablestash.spring.web.servlet.testapp.Gate;
import dev.durablestash.spring.web.servlet.testapp.MvcTestApplication;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/** A request that cannot get its view's turn within the operation timeout answers 503, and loses nothing. */
@SpringBootTest(classes = { MvcTestApplication.class, AtomicViewTimeoutMvcIntegrationTests.ShortTimeout.class },
        webEnvironment = WebEnvironment.RANDOM_PORT, properties = "durable-stash.storage.type=memory")
class AtomicViewTimeoutMvcIntegrationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    static final Duration OPERATION_TIMEOUT = Duration.ofMillis(500);

    private static final String[] REJOIN = { Browser.REJOIN, "1" };

    @TestConfiguration(proxyBeanMethods = false)
    static class ShortTimeout {

        @Bean
        StashSettingsCustomizer shortOperationTimeout() {
            return (builder) -> builder.operationTimeout(OPERATION_TIMEOUT);
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    @BeforeEach
    void arm() {
        Gate.arm();
    }

    @AfterEach
    void open() {
        Gate.open();
        ((InMemoryStorageBackend) backend).clearFaults();
    }

    @Test
    void aRequestThatCannotGetTheTurnInTimeAnswersTheFailureStatus() throws Exception {
        logs.expect(Level.WARN, "view 'CounterController' is atomic, and another request of the same browser session held its turn");
        Browser browser = new Browser(port);
        browser.get("/counter");
        CompletableFuture<HttpResponse<String>> held = browser.postAsync("/counter/gated-increment", "", REJOIN);
        Gate.awaitEntered();

        assertAnswers503ByTheDeadline(browser, "/counter/increment-body");

        Gate.open();
        assertThat(held.get(30, TimeUnit.SECONDS).body()).isEqualTo("1");
        assertThat(browser.post("/counter/increment-body", "", REJOIN).body()).as("the timed-out request changed nothing")
                .isEqualTo("2");
    }

    /** Contract rule 14 over HTTP: a stash whose write does not answer in time fails the request at its deadline. */
    @Test
    void aRequestWhoseStashStallsAnswersTheFailureStatusAtTheDeadline() {
        logs.expect(Level.WARN, "Stash of view 'CounterController' failed, answering 503 to POST /counter/increment-body");
        Browser browser = new Browser(port);
        browser.get("/counter");
        ((InMemoryStorageBackend) backend).setLatency(Operation.PUT, Duration.ofSeconds(5));

        assertAnswers503ByTheDeadline(browser, "/counter/increment-body"); // not when the write answers
    }

    /** Posts to {@code path} and checks the answer: 503, at the operation deadline plus a margin for a busy machine. */
    private static void assertAnswers503ByTheDeadline(Browser browser, String path) {
        long started = System.nanoTime();
        HttpResponse<String> timedOut = browser.post(path, "", REJOIN);
        Duration waited = Duration.ofNanos(System.nanoTime() - started);
        assertThat(timedOut.statusCode()).isEqualTo(503);
        assertThat(waited).as("answered at the deadline").isLessThan(OPERATION_TIMEOUT.plus(BoundViews.WAIT_MARGIN)
                .plusSeconds(2));
    }
}
