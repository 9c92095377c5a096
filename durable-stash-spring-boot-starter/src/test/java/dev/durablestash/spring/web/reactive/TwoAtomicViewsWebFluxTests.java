package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.durablestash.spring.web.reactive.testapp.FluxTestApplication;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * Handlers that take the same two atomic views as arguments in opposite orders: each request takes the
 * views' turns in the order of their names, before it binds either. Seen failing before: each request
 * held the turn of the view it bound first while it recovered it, then waited for the other's, until the
 * operation timeout answered one or both 503.
 */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=5s" })
class TwoAtomicViewsWebFluxTests extends FluxAppTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @Test
    void handlersTakingTwoAtomicViewsInOppositeOrdersTakeTheirTurnsInOneOrder() throws Exception {
        browser.get("/basket");
        storage.setLatency(Operation.GET, Duration.ofMillis(300)); // each recover holds its first turn a while
        long started = System.nanoTime();
        CompletableFuture<EntityExchangeResult<String>> basketFirst = CompletableFuture.supplyAsync(
                () -> browser.post("/two-views/basket-first", "", REJOIN));
        CompletableFuture<EntityExchangeResult<String>> tallyFirst = CompletableFuture.supplyAsync(
                () -> browser.post("/two-views/tally-first", "", REJOIN));
        EntityExchangeResult<String> one = basketFirst.get(30, TimeUnit.SECONDS);
        EntityExchangeResult<String> other = tallyFirst.get(30, TimeUnit.SECONDS);
        long millis = (System.nanoTime() - started) / 1_000_000;

        assertThat(List.of(one.getStatus().value(), other.getStatus().value())).as("after %s ms", millis)
                .containsExactly(200, 200);
        assertThat(List.of(one.getResponseBody(), other.getResponseBody())).as("one after the other")
                .containsExactlyInAnyOrder("1;1", "2;2");
    }
}
