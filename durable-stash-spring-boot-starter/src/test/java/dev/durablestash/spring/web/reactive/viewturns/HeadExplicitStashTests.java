package dev.durablestash.spring.web.reactive.viewturns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import dev.durablestash.testsupport.ExpectedLogs;

/**
 * A HEAD request (a link checker, a monitor, {@code curl -I}) to a GET handler that stashes explicitly takes
 * no turn at the atomic view (it "stashes nothing"), yet its explicit stash writes (docs/spring.md): a
 * read-modify-write of another request of the session is lost (rule 15).
 */
@SpringBootTest(classes = ViewTurnsApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=2s" })
class HeadExplicitStashTests extends ViewTurnsSession {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @BeforeEach
    void open() {
        startSession("/c/show");
    }

    @Test
    void aHeadRequestThatStashesExplicitlyWaitsForTheTurnLikeAnyWriter() throws Exception {
        ViewTurnsApplication.closeGate();
        CompletableFuture<String> held = CompletableFuture.supplyAsync(
                () -> client.get().uri("/c/visit-held").header("Cookie", "sid=" + sid).header("X-Stash-Mounts", "1")
                        .exchange().expectBody(String.class).returnResult().getResponseBody());
        ViewTurnsApplication.entered.get(10, TimeUnit.SECONDS); // holds the turn, read 0
        CompletableFuture<Integer> head = CompletableFuture.supplyAsync(
                () -> client.head().uri("/c/visit").header("Cookie", "sid=" + sid).exchange().returnResult(Void.class)
                        .getStatus().value());
        Thread.sleep(500);
        ViewTurnsApplication.released.complete(null);
        assertThat(held.get(10, TimeUnit.SECONDS)).isNotNull();
        assertThat(head.get(10, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(client.get().uri("/c/show").header("Cookie", "sid=" + sid).header("X-Stash-Mounts", "1").exchange()
                .expectBody(String.class).returnResult().getResponseBody())
                .as("two read-modify-writes of one session's atomic view, each stashed: none lost (rule 15)")
                .isEqualTo("visits=2");
    }
}
