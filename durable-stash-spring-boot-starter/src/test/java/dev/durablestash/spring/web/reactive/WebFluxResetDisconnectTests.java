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
 * A {@code Mono} handler's {@code ReactiveStash.reset()} (POST /counter/reset) is in flight when the client goes
 * away, before the commit, and then fails: nobody waits for it any more, so the end of the exchange logs it.
 */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=3s" })
class WebFluxResetDisconnectTests extends FluxAppTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash").allow(Level.WARN, "");

    @Test
    void aResetInFlightWhenTheClientGoesAwayBeforeTheCommitIsLoggedShouldItFail() throws Exception {
        logs.expect(Level.ERROR, "FAILED after the response's status was decided");
        browser.get("/counter");
        browser.post("/counter/increment", "", "X-Stash-Mounts", "1");
        storage.setLatency(Operation.PUT, Duration.ofMillis(1200));
        storage.failNext(Operation.PUT, 100); // every attempt fails, after the latency
        WebClient client = WebClient.create("http://localhost:" + port);
        sendAndGoAwayDuringAPut(client.post().uri("/counter/reset").header("Cookie", "sid=" + browser.sid())
                .header("X-Stash-Mounts", "1"));
        long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        while (logs.messages(Level.ERROR).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        storage.clearFaults();
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).as("the reset failed").startsWith("count=1");
        assertThat(logs.messages(Level.ERROR)).as("the failed reset is logged").isNotEmpty();
    }
}
