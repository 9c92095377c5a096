package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import ch.qos.logback.classic.Level;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.web.reactive.function.client.WebClient;

import dev.durablestash.spring.web.reactive.resetapp.ResetTestApplication;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * A WebFlux handler's {@code ReactiveStash.reset()} and explicit {@code stash()} at the commit and when the
 * client goes away ({@link ResetTestApplication}).
 */
@SpringBootTest(classes = ResetTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=3s" })
class WebFluxResetAndStashAtCommitTests extends FluxAppTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash").allow(Level.WARN, "")
            .allow(Level.ERROR, "");

    /**
     * The handler bumps the count and fires a reset without waiting for it: the commit's stash follows the
     * reset (as if the handler had waited), so the reset is not undone by a stash of the change it discards
     * (it was: stored count 2, fields 0), and no ERROR is logged for an exchange whose client waited (a false
     * "NOT stashed ... the client went away" was).
     */
    @Test
    void aResetInFlightAtTheCommitIsNotUndoneByTheCommitsStash() throws Exception {
        browser.get("/rr");
        browser.post("/rr/bump", "", REJOIN);
        assertThat(browser.get("/rr", REJOIN).getResponseBody()).startsWith("count=1");
        storage.setLatency(Operation.PUT, Duration.ofMillis(400));
        assertThat(browser.post("/rr/bump-and-reset", "", REJOIN).getResponseBody()).isEqualTo("resetting");
        Thread.sleep(2000);
        storage.clearFaults();
        String after = browser.get("/rr", REJOIN).getResponseBody();
        SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(after).as("the reset discards the change").startsWith("count=0");
            softly.assertThat(logs.messages(Level.ERROR)).as("no ERROR for an exchange whose client waited")
                    .isEmpty();
        });
    }

    /**
     * The client goes away while the handler's explicit stash of the controller view is in flight; it fails.
     * The shelf's change was never sent (a handler cut short stashes nothing more, unreported): the ERROR for
     * the failed stash names the controller's view only.
     */
    @Test
    void aCutShortHandlersFailedStashNamesOnlyItsOwnView() throws Exception {
        browser.get("/rr");
        storage.setLatency(Operation.PUT, Duration.ofMillis(1000));
        storage.failNext(Operation.PUT, 100);
        WebClient client = WebClient.create("http://localhost:" + port);
        sendAndGoAwayDuringAPut(client.post().uri("/rr/both-stash-one").header("Cookie", "sid=" + browser.sid())
                .header("X-Stash-Mounts", "1"));
        long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        while (logs.messages(Level.ERROR).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        storage.clearFaults();
        assertThat(logs.messages(Level.ERROR)).as("the failed stash is reported").isNotEmpty()
                .allSatisfy(m -> assertThat(m).doesNotContain("Shelf"));
    }
}
