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
 * A functional route whose handler subscribes to {@code StashedRoutes.recover(request, View.class)} twice at
 * once (the Mono used in two branches of a zip): the doc promises "a new instance on first use, the same
 * instance afterwards", and rule 15 promises the view is recovered only once the exchange holds the turn.
 */
@SpringBootTest(classes = ViewTurnsApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=5s" })
class RecoverSubscribedTwiceRouteTests extends ViewTurnsSession {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @BeforeEach
    void open() {
        startSession("/r/show");
    }

    private String get(String path) {
        return client.get().uri(path).header("Cookie", "sid=" + sid).header("X-Stash-Mounts", "1").exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    }

    @Test
    void aViewRecoveredTwiceAtOnceNeverReadsStateWhileAnotherExchangeHoldsTheTurn() throws Exception {
        CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> client.post().uri("/r/held")
                .header("Cookie", "sid=" + sid).header("X-Stash-Mounts", "1").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody());
        ViewTurnsApplication.entered.get(10, TimeUnit.SECONDS); // the held exchange holds the turn, read count=0
        CompletableFuture<String> zip = CompletableFuture.supplyAsync(() -> get("/r/zip"));
        Thread.sleep(500); // the zip waits for the turn (or, wrongly, recovers without it)
        ViewTurnsApplication.released.complete(null);
        assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo("count=1");
        assertThat(zip.get(10, TimeUnit.SECONDS)).as("every instance the zip got was recovered after the turn's holder "
                + "stashed count=1 (none read count=0 while the other exchange held the turn)").endsWith("counts=1,1");
    }
}
