package dev.durablestash.spring.web.reactive;

import static dev.durablestash.spring.web.TurnWatch.assertQueued;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.durablestash.spring.web.TurnWatch;
import dev.durablestash.spring.web.reactive.testapp.FluxTestApplication;
import dev.durablestash.spring.web.reactive.testapp.Gate;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * Handlers that take the same two atomic views in opposite orders, as arguments or through the
 * {@code @ModelAttribute} methods WebFlux invokes before them: each request takes the views' turns in the
 * order of their names, before it binds either. Seen failing before: each request held the turn of the
 * view it bound first while it recovered it, then waited for the other's, until the operation timeout
 * answered one or both 503.
 */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=5s" })
class TwoAtomicViewsWebFluxTests extends FluxAppTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    private TurnWatch turns;

    @AfterEach
    void openTheGate() {
        Gate.open();
        if (turns != null) {
            turns.close();
        }
    }

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

    @Test
    void aViewAControllersModelAttributeMethodBindsTakesItsTurnInTheOrderOfTheHandlersViews() throws Exception {
        bindingAViewInAModelAttributeMethodTakesTheTurnsInOneOrder("/model-attribute-views/tally");
    }

    @Test
    void aViewAControllerAdvicesModelAttributeMethodBindsTakesItsTurnInTheOrderOfTheHandlersViews()
            throws Exception {
        bindingAViewInAModelAttributeMethodTakesTheTurnsInOneOrder("/advised-views/tally");
    }

    @Test
    void theViewsOfModelAttributeMethodsTakeTheirTurnsInOneOrderAlsoForAHandlerWithoutViewsOfItsOwn()
            throws Exception {
        bindingAViewInAModelAttributeMethodTakesTheTurnsInOneOrder("/model-attributes-only/both");
    }

    /**
     * A request to {@code path} binds the Tally (as its handler's argument, or in a {@code @ModelAttribute}
     * method invoked with the one that binds the Basket), then the Basket in a {@code @ModelAttribute}
     * method; the other request binds the Basket, then the Tally. A third request holds the Basket's turn
     * at the {@link Gate} while the other request, then the one to {@code path}, queue for it. Taken as they
     * were bound, the request to {@code path} took the Tally's turn before it queued; once the gate opened,
     * the other request took the Basket's and waited for the Tally's, and the request to {@code path}
     * waited for the Basket's until the operation timeout answered one of them 503. Taken before any of
     * them is bound, in the order of the views' names, the request to {@code path} queues holding none, and
     * the two run one after the other.
     */
    private void bindingAViewInAModelAttributeMethodTakesTheTurnsInOneOrder(String path) throws Exception {
        browser.get("/basket");
        turns = TurnWatch.attach(ExchangeViews.class.getName());
        Gate.close();
        CompletableFuture<EntityExchangeResult<String>> held = CompletableFuture.supplyAsync(
                () -> browser.post("/basket/held", "", REJOIN));
        Gate.entered().get(30, TimeUnit.SECONDS);

        CompletableFuture<Void> otherWaits = turns.nextWaitFor("Basket");
        CompletableFuture<EntityExchangeResult<String>> other = CompletableFuture.supplyAsync(
                () -> browser.post("/two-views/basket-first", "", REJOIN));
        assertQueued(otherWaits, other);
        CompletableFuture<Void> modelAttributeWaits = turns.nextWaitFor("Basket");
        CompletableFuture<EntityExchangeResult<String>> modelAttribute = CompletableFuture.supplyAsync(
                () -> browser.post(path, "", REJOIN));
        assertQueued(modelAttributeWaits, modelAttribute);

        long started = System.nanoTime();
        Gate.open();
        EntityExchangeResult<String> first = held.get(30, TimeUnit.SECONDS);
        EntityExchangeResult<String> second = other.get(30, TimeUnit.SECONDS);
        EntityExchangeResult<String> third = modelAttribute.get(30, TimeUnit.SECONDS);
        long millis = (System.nanoTime() - started) / 1_000_000;

        assertThat(List.of(first.getStatus().value(), second.getStatus().value(), third.getStatus().value()))
                .as("after %s ms", millis).containsExactly(200, 200, 200);
        assertThat(List.of(first.getResponseBody(), second.getResponseBody(), third.getResponseBody()))
                .as("one after the other, in the order they queued").containsExactly("[held]", "2;1", "3;2");
    }
}
