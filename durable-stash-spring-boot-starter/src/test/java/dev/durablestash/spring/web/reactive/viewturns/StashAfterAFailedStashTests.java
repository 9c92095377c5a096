package dev.durablestash.spring.web.reactive.viewturns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import ch.qos.logback.classic.Level;

import dev.durablestash.testsupport.ExpectedLogs;

/**
 * An atomic view first bound after a stash of the exchange failed (the handler catches the error and goes on),
 * then changed and stashed explicitly: the exchange handed its turns on at the failure, yet the view still waits
 * for its turn before it is recovered, and holds it while the handler stashes it (rule 15): a read-modify-write of
 * another request of the browser session is not undone.
 */
@SpringBootTest(classes = ViewTurnsApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=2s" })
class StashAfterAFailedStashTests extends ViewTurnsSession {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.boot");

    @BeforeEach
    void open() {
        startSession("/r/show");
    }

    @Test
    void aViewBoundAfterAFailedStashWaitsForItsTurn() throws Exception {
        logs.expect(Level.ERROR, "Unstorable").expect(Level.ERROR, "500 Server Error");
        ViewTurnsApplication.closeGate();
        CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> client.post().uri("/r/held")
                .header("Cookie", "sid=" + sid).header("X-Stash-Mounts", "1").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody());
        ViewTurnsApplication.entered.get(10, TimeUnit.SECONDS); // holds the turn, read count=0
        CompletableFuture<Integer> failed = CompletableFuture.supplyAsync(() -> client.post()
                .uri("/s/fail-then-stash").header("Cookie", "sid=" + sid).header("X-Stash-Mounts", "1").exchange()
                .returnResult(String.class).getStatus().value());
        Thread.sleep(500);
        assertThat(failed).as("the view bound after the failure waits for the turn another exchange holds")
                .isNotDone();
        ViewTurnsApplication.released.complete(null);
        assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo("count=1");
        assertThat(failed.get(10, TimeUnit.SECONDS)).as("the failed stash's status").isEqualTo(500);
        assertThat(client.get().uri("/r/show").header("Cookie", "sid=" + sid).header("X-Stash-Mounts", "1").exchange()
                .expectBody(String.class).returnResult().getResponseBody())
                .as("both read-modify-writes (+1 with the turn, then +10 bound after the failure), none lost")
                .isEqualTo("count=11");
    }
}
