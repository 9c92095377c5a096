package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.web.reactive.function.client.WebClient;

import dev.durablestash.spring.web.reactive.testapp.FluxTestApplication;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * A WebFlux exchange that ends (the client went away) while the stash it started at the commit is still
 * in flight checks its views for changes on another thread: the changes that stash writes are not
 * reported as made after the commit, and should that stash fail, the failure is logged.
 */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=3s" })
class WebFluxDisconnectDuringStashTests extends FluxAppTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash").allow(Level.ERROR, "are NOT stashed");

    @Test
    void aClientGoingAwayDuringTheCommitsStashLogsNoFalseNotStashedError() throws Exception {
        browser.get("/counter");
        storage.setLatency(Operation.PUT, Duration.ofMillis(1200));
        WebClient client = WebClient.create("http://localhost:" + port);
        sendAndGoAwayDuringAPut(client.post().uri("/counter/increment-body").header("Cookie", "sid=" + browser.sid())
                .header("X-Stash-Mounts", "1"));
        Thread.sleep(2000); // the PUT completes
        storage.clearFaults();
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).as("the change was stashed")
                .startsWith("count=1");
        assertThat(logs.messages(Level.ERROR)).as("errors logged").isEmpty();
    }

    @Test
    void aStashThatFailsAfterTheClientWentAwayIsLogged() throws Exception {
        logs.expect(Level.ERROR, "failed after the exchange had ended");
        browser.get("/counter");
        storage.setLatency(Operation.PUT, Duration.ofMillis(1200));
        storage.failNext(Operation.PUT, 100); // every attempt fails, after the latency
        WebClient client = WebClient.create("http://localhost:" + port);
        sendAndGoAwayDuringAPut(client.post().uri("/counter/increment-body").header("Cookie", "sid=" + browser.sid())
                .header("X-Stash-Mounts", "1"));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (logs.messages(Level.ERROR).stream().noneMatch(m -> m.contains("failed after the exchange had ended"))
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(logs.messages(Level.ERROR)).as("errors logged")
                .anySatisfy(m -> assertThat(m).contains("[FluxCounterController]").contains("/counter/increment-body"))
                .noneSatisfy(m -> assertThat(m).contains("made after the response was committed"));
        storage.clearFaults();
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).as("nothing was stashed").startsWith("count=0");
    }
}
