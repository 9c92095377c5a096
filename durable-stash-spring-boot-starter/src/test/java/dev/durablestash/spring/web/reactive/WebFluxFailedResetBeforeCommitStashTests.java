package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.durablestash.spring.web.reactive.resetapp.ResetTestApplication;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/** A fire-and-forget {@code ReactiveStash.reset()} that fails while the commit's stash waits for it. */
@SpringBootTest(classes = ResetTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=3s" })
class WebFluxFailedResetBeforeCommitStashTests extends FluxAppTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash").allow(Level.WARN, "")
            .allow(Level.ERROR, "");

    /**
     * docs/spring.md: "A failed ReactiveStash.stash() or reset() makes the exchange answer the failure status";
     * ViewBinding: the commit's stash follows the reset "as if the caller had waited". The commit's stash waits
     * for the reset, which fails; had the handler waited, it would have failed and nothing been stashed. Instead
     * the stash goes ahead after the failed reset and the exchange answers 200.
     */
    @Test
    void aResetThatFailsWhileTheCommitWaitsForItMakesTheExchangeAnswerTheFailureStatus() throws Exception {
        browser.get("/rr");
        browser.post("/rr/bump", "", REJOIN);
        storage.setLatency(Operation.PUT, Duration.ofMillis(400));
        storage.failNext(Operation.PUT, 1); // the reset's write only
        long puts = storage.count(Operation.PUT);
        EntityExchangeResult<String> result = browser.post("/rr/bump-and-reset", "", REJOIN);
        Thread.sleep(1000);
        storage.clearFaults();
        assertThat(result.getStatus().value()).as("status of an exchange whose reset failed (PUTs sent: %s)",
                storage.count(Operation.PUT) - puts).isEqualTo(503);
    }
}
