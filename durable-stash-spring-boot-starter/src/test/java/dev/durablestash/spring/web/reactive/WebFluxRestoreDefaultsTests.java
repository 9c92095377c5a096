package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import dev.durablestash.spring.web.reactive.resetapp.ResetTestApplication;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/** A WebFlux handler's "start over at 5" ({@code /rr/reset-then-set}) when the count is 5 already. */
@SpringBootTest(classes = ResetTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=3s" })
class WebFluxRestoreDefaultsTests extends FluxAppTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash").allow(Level.WARN, "")
            .allow(Level.ERROR, "");

    /**
     * The handler fires the reset, sets count to 5 and stashes; the count was 5 already. The response says
     * count=5, and so does the next request (an earlier form took the 5 set after the reset as unchanged and
     * reset it: the next request found count=0).
     */
    @Test
    void startingOverAtTheCurrentValueKeepsIt() throws Exception {
        browser.get("/rr");
        for (int i = 0; i < 5; i++) {
            browser.post("/rr/bump", "", REJOIN);
        }
        assertThat(browser.get("/rr", REJOIN).getResponseBody()).startsWith("count=5");
        storage.setLatency(Operation.PUT, Duration.ofMillis(300));
        assertThat(browser.post("/rr/reset-then-set", "", REJOIN).getResponseBody()).isEqualTo("count=5");
        Thread.sleep(1000);
        storage.clearFaults();
        assertThat(browser.get("/rr", REJOIN).getResponseBody()).startsWith("count=5");
    }
}
