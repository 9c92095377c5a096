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
 * Two {@code @ModelAttribute} methods of a controller take the same atomic view, which the handler does not
 * take: WebFlux invokes them together (ModelInitializer zips them), so the view is bound twice at once.
 */
@SpringBootTest(classes = ViewTurnsApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=5s" })
class ModelAttributesSameViewTests extends ViewTurnsSession {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @BeforeEach
    void open() {
        startSession("/m/page");
    }

    private String page() {
        return client.get().uri("/m/page").header("Cookie", "sid=" + sid).header("X-Stash-Mounts", "1").exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    }

    @Test
    void neitherModelAttributeMethodReadsTheViewWhileAnotherExchangeHoldsItsTurn() throws Exception {
        CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> client.post().uri("/m/held")
                .header("Cookie", "sid=" + sid).header("X-Stash-Mounts", "1").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody());
        ViewTurnsApplication.entered.get(10, TimeUnit.SECONDS); // holds the turn, read count=0
        CompletableFuture<String> page = CompletableFuture.supplyAsync(this::page);
        Thread.sleep(500);
        ViewTurnsApplication.released.complete(null);
        assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo("count=1");
        assertThat(page.get(10, TimeUnit.SECONDS)).as("the page's view was recovered once the holder of the turn "
                + "stashed count=1").endsWith("counts=1,1");
    }
}
