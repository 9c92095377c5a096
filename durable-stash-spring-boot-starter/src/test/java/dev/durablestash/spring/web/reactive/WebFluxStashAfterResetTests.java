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

/** A WebFlux handler's explicit {@code ReactiveStash.stash()} right after a {@code reset()} it did not wait for. */
@SpringBootTest(classes = ResetTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=3s" })
class WebFluxStashAfterResetTests extends FluxAppTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash").allow(Level.WARN, "")
            .allow(Level.ERROR, "");

    /**
     * The handler fires the reset, sets count to 5 and stashes: the response says count=5, and so does the
     * next request (the stash waited for the reset, whose return to the defaults left the new value alone).
     */
    @Test
    void aValueSetAndStashedAfterAResetNotWaitedForIsKept() throws Exception {
        browser.get("/rr");
        browser.post("/rr/bump", "", REJOIN);
        storage.setLatency(Operation.PUT, Duration.ofMillis(300));
        assertThat(browser.post("/rr/reset-then-set", "", REJOIN).getResponseBody()).isEqualTo("count=5");
        Thread.sleep(1000);
        storage.clearFaults();
        assertThat(browser.get("/rr", REJOIN).getResponseBody()).startsWith("count=5");
    }
}
