package dev.durablestash.spring.web.reactive;

import static dev.durablestash.spring.web.TurnWatch.assertQueued;
import static org.assertj.core.api.Assertions.assertThat;

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
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * A view handler that returns a {@code Flux} written in a media type that is not a stream (a JSON array)
 * is stashed once the {@code Flux} completed, before the response is committed: what the {@code Flux}
 * changes while it is produced is stored, and the view's turn is held until then, so the browser's next
 * request to the view sees the change.
 */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=3s" })
class WebFluxNonStreamingFluxTests extends FluxAppTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @AfterEach
    void openGate() {
        Gate.open(); // the base class clears the faults after this
    }

    /**
     * Seen failing before: the view was stashed when the handler method returned, before the {@code Flux}
     * was subscribed, so its changes were never stored (and reported at ERROR).
     */
    @Test
    void theChangesAJsonFluxMakesWhileItIsProducedAreStored() {
        EntityExchangeResult<String> posted = browser.post("/counter/increment-json-flux", "", REJOIN);

        assertThat(posted.getStatus().value()).isEqualTo(200);
        assertThat(posted.getResponseBody()).isEqualTo("[2,4]");
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).startsWith("count=4;");
    }

    /** Seen failing before, as the bare {@code Flux}. */
    @Test
    void theChangesAJsonFluxInAResponseEntityMakesWhileItIsProducedAreStored() {
        EntityExchangeResult<String> posted = browser.post("/counter/increment-json-entity", "", REJOIN);

        assertThat(posted.getResponseBody()).isEqualTo("[1,3]");
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).startsWith("count=3;");
    }

    /**
     * As the bare {@code Flux}, for one that is the body of a {@code ResponseEntity} a {@code Mono}
     * produces. Seen failing before: it was stashed at its first element, so the change the second made
     * was not stored (and reported at ERROR).
     */
    @Test
    void theChangesAJsonFluxInAMonoOfAResponseEntityMakesWhileItIsProducedAreStored() {
        EntityExchangeResult<String> posted = browser.post("/counter/increment-json-entity-mono", "", REJOIN);

        assertThat(posted.getResponseBody()).isEqualTo("[1,3]");
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).startsWith("count=3;");
    }

    /**
     * As in an annotated handler, for a functional route's {@code Flux} body. Seen failing before: it was
     * stashed at its first element, so the change the second made was not stored (and reported at ERROR).
     */
    @Test
    void theChangesAFunctionalRoutesJsonFluxMakesWhileItIsProducedAreStored() {
        EntityExchangeResult<String> posted = browser.post("/tally/add-json", "", REJOIN);

        assertThat(posted.getResponseBody()).isEqualTo("[1,3]");
        assertThat(browser.get("/tally", REJOIN).getResponseBody()).isEqualTo("total=3");
    }

    /**
     * A functional route's single value given as a BodyInserter, in a media type that would make a
     * multi-value body a stream, is stashed as the response commits, with what its {@code Mono} changed.
     */
    @Test
    void aFunctionalRoutesSingleTextValueWrittenByABodyInserterIsStashedWithWhatItsMonoChanged() {
        EntityExchangeResult<String> posted = browser.post("/tally/add-text-value", "", REJOIN);

        assertThat(posted.getResponseBody()).isEqualTo("total=1");
        assertThat(browser.get("/tally", REJOIN).getResponseBody()).isEqualTo("total=1");
    }

    /**
     * A functional route's JSON array given as a BodyInserter (which does not say what it writes) is not a
     * stream: it is stashed as the response commits, at its first element, and holds the view's turn until
     * then, so the browser's next request to the view waits and sees its change.
     */
    @Test
    void aFunctionalRoutesJsonArrayWrittenByABodyInserterHoldsTheViewsTurnUntilItCommits() throws Exception {
        assertThat(browser.post("/tally/add", "", REJOIN).getResponseBody()).isEqualTo("total=5");
        Gate.close();
        CompletableFuture<EntityExchangeResult<String>> json = CompletableFuture.supplyAsync(
                () -> browser.post("/tally/add-json-inserter", "", REJOIN));
        Gate.entered().get(30, TimeUnit.SECONDS); // subscribed; its element waits at the gate

        try (TurnWatch turns = TurnWatch.attach(ExchangeViews.class.getName())) {
            CompletableFuture<Void> waits = turns.nextWaitFor("Tally");
            CompletableFuture<EntityExchangeResult<String>> next = CompletableFuture.supplyAsync(
                    () -> browser.post("/tally/add", "", REJOIN));
            assertQueued(waits, next);
            Gate.open();

            assertThat(json.get(30, TimeUnit.SECONDS).getResponseBody()).isEqualTo("[6]");
            assertThat(next.get(30, TimeUnit.SECONDS).getResponseBody()).as("it saw the change").isEqualTo("total=11");
        }
    }

    /**
     * The next request of the browser to the view waits for the {@code Flux}'s turn, which is held until
     * its change is stored: no update is lost. Seen failing before: the turn was handed on as the handler
     * method returned, and the change the {@code Flux} made afterwards was never stored (the next request
     * answered 1 and the count stayed 1).
     */
    @Test
    void theNextRequestOfTheBrowserSeesTheChangeOfAJsonFluxStillBeingProduced() throws Exception {
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).startsWith("count=0;");
        Gate.close();
        CompletableFuture<EntityExchangeResult<String>> flux = CompletableFuture.supplyAsync(
                () -> browser.post("/counter/gated-json-flux", "", REJOIN));
        Gate.entered().get(30, TimeUnit.SECONDS); // subscribed; its element waits at the gate

        CompletableFuture<EntityExchangeResult<String>> next = CompletableFuture.supplyAsync(
                () -> browser.post("/counter/increment-body", "", REJOIN));
        Gate.open();

        assertThat(flux.get(30, TimeUnit.SECONDS).getResponseBody()).isEqualTo("[1]");
        assertThat(next.get(30, TimeUnit.SECONDS).getResponseBody()).as("it saw the Flux's change").isEqualTo("2");
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).startsWith("count=2;");
    }

    /**
     * A {@code Flux} that fails before its last element stashes nothing, like a handler that fails. Seen
     * failing before: the handler method's change was stashed as it returned ({@code count=100}).
     */
    @Test
    void aJsonFluxThatFailsWhileItIsProducedStashesNothing() {
        EntityExchangeResult<String> posted = browser.post("/counter/failing-json-flux", "", REJOIN);

        assertThat(posted.getStatus().value()).isEqualTo(409);
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).startsWith("count=0;");
    }
}
