package dev.durablestash.spring.web.servlet;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.durablestash.spring.web.TurnWatch;
import dev.durablestash.spring.web.servlet.testapp.Gate;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

import static dev.durablestash.spring.web.TurnWatch.assertQueued;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Atomic views over real HTTP: requests of one browser session to one view run recover → handler →
 * stash one at a time, in arrival order. A handler held at the {@link Gate} keeps its request's
 * turn; {@link TurnWatch} sees the next request queue for it. No sleeps.
 */
class AtomicViewsMvcIntegrationTests extends RunningMvcTestApp {
    private static final String COUNTER = "CounterController";

    private TurnWatch turns;

    @BeforeEach
    void setUp() {
        turns = TurnWatch.attach();
        Gate.arm();
    }

    @AfterEach
    void tearDown() {
        Gate.open();
        turns.close();
        storage.clearFaults();
    }

    @Test
    void handlersTakingTwoAtomicViewsInOppositeOrdersTakeTheirTurnsInOneOrder() throws Exception {
        // Each request holds the turn of the view it binds first while it recovers it (slowed here), then
        // waits for the other: taken in the order of the arguments, each held the turn the other waited for
        // until the operation timeout answered 503. Both take them in the order of the views' names.
        browser.get("/prefs");
        storage.setLatency(Operation.GET, Duration.ofMillis(300));
        CompletableFuture<Void> queued = turns.nextWaitFor("Basket");
        CompletableFuture<HttpResponse<String>> basketFirst = browser.postAsync("/two-views/basket-first", "", REJOIN);
        CompletableFuture<HttpResponse<String>> prefsFirst = browser.postAsync("/two-views/prefs-first", "", REJOIN);
        HttpResponse<String> one = basketFirst.get(30, TimeUnit.SECONDS);
        HttpResponse<String> other = prefsFirst.get(30, TimeUnit.SECONDS);

        assertThat(queued).as("one request waited for the turn the other held").isDone();
        assertThat(List.of(one.statusCode(), other.statusCode())).containsExactly(200, 200);
        assertThat(List.of(one.body(), other.body())).containsExactlyInAnyOrder("1;1", "2;2");
    }

    @Test
    void aViewAControllersModelAttributeMethodBindsTakesItsTurnInTheOrderOfTheHandlersViews() throws Exception {
        bindingAViewInAModelAttributeMethodTakesTheTurnsInOneOrder("/model-attribute-views/basket");
    }

    @Test
    void aViewAControllerAdvicesModelAttributeMethodBindsTakesItsTurnInTheOrderOfTheHandlersViews()
            throws Exception {
        bindingAViewInAModelAttributeMethodTakesTheTurnsInOneOrder("/advised-views/basket");
    }

    @Test
    void aViewAControllersInitBinderMethodBindsTakesItsTurnInTheOrderOfTheHandlersViews() throws Exception {
        bindingAViewInAModelAttributeMethodTakesTheTurnsInOneOrder("/init-binder-views/basket?n=1");
    }

    /**
     * A request to {@code path} binds prefs in a {@code @ModelAttribute} method (or an {@code @InitBinder}
     * one), which waits at the gate, then the Basket in its handler; the other request binds the Basket, then
     * prefs. Taken as they were bound, the gated request held prefs' turn, the other took the Basket's and
     * waited for prefs', then the gated one waited for the Basket's until the operation timeout answered 503.
     * Taken before any of them is bound, in the order of the views' names, the gated request holds both, and
     * the other waits holding none.
     */
    private void bindingAViewInAModelAttributeMethodTakesTheTurnsInOneOrder(String path) throws Exception {
        browser.get("/prefs");
        CompletableFuture<HttpResponse<String>> gated = browser.postAsync(path, "", REJOIN);
        Gate.awaitEntered();

        CompletableFuture<Void> basketWaits = turns.nextWaitFor("Basket");
        CompletableFuture<Void> prefsWaits = turns.nextWaitFor("prefs");
        CompletableFuture<HttpResponse<String>> other = browser.postAsync("/two-views/basket-first", "", REJOIN);
        CompletableFuture.anyOf(basketWaits, prefsWaits, other).get(30, TimeUnit.SECONDS);
        assertThat(other).as("the other request waits for a turn the gated one holds").isNotDone();
        boolean waitedForTheFirstByName = basketWaits.isDone();

        Gate.open();
        HttpResponse<String> first = gated.get(30, TimeUnit.SECONDS);
        HttpResponse<String> second = other.get(30, TimeUnit.SECONDS);
        assertThat(List.of(first.statusCode(), second.statusCode())).containsExactly(200, 200);
        assertThat(List.of(first.body(), second.body())).as("the other request ran after the gated one's stash")
                .containsExactly("1;1", "2;2");
        assertThat(waitedForTheFirstByName).as("the other request waited for the Basket's turn, holding none")
                .isTrue();
    }

    @Test
    void requestsOfOneSessionToOneViewRunOneAtATimeInArrivalOrder() throws Exception {
        browser.get("/counter");
        CompletableFuture<HttpResponse<String>> first = browser.postAsync("/counter/gated-increment", "", REJOIN);
        Gate.awaitEntered(); // recovered count=0, incremented, not stashed yet: it holds the turn

        CompletableFuture<Void> secondWaits = turns.nextWaitFor(COUNTER);
        CompletableFuture<HttpResponse<String>> second = browser.postAsync("/counter/increment-body", "", REJOIN);
        assertQueued(secondWaits, second);
        CompletableFuture<Void> thirdWaits = turns.nextWaitFor(COUNTER);
        CompletableFuture<HttpResponse<String>> third = browser.postAsync("/counter/increment-body", "", REJOIN);
        assertQueued(thirdWaits, third);

        Gate.open();
        assertThat(first.get(30, TimeUnit.SECONDS).body()).isEqualTo("1");
        assertThat(second.get(30, TimeUnit.SECONDS).body()).as("recovered after the first one's stash").isEqualTo("2");
        assertThat(third.get(30, TimeUnit.SECONDS).body()).as("and after the second one's").isEqualTo("3");
        assertThat(browser.get("/counter", REJOIN).body()).startsWith("count=3;");
    }

    @Test
    void aHandlerThatForwardsToAHandlerOfTheSameViewKeepsTheTurnUntilThatOneIsStashed() throws Exception {
        browser.get("/counter");
        CompletableFuture<HttpResponse<String>> forwarding = browser.postAsync(
                "/counter/increment-then-forward-gated", "", REJOIN);
        Gate.awaitEntered(); // count=1 stashed before the forward; the forwarded handler made it 2, not stashed

        CompletableFuture<Void> nextWaits = turns.nextWaitFor(COUNTER);
        CompletableFuture<HttpResponse<String>> next = browser.postAsync("/counter/increment-body", "", REJOIN);
        assertQueued(nextWaits, next);

        Gate.open();
        assertThat(forwarding.get(30, TimeUnit.SECONDS).body()).isEqualTo("2");
        assertThat(next.get(30, TimeUnit.SECONDS).body()).as("recovered after the forwarded handler's stash")
                .isEqualTo("3");
        assertThat(browser.get("/counter", REJOIN).body()).as("three increments, none lost").startsWith("count=3;");
    }

    @Test
    void aViewNameTheViewResolverRendersAsAForwardToAHandlerOfTheSameViewKeepsTheTurnAsAForwardDoes()
            throws Exception {
        browser.get("/counter");
        CompletableFuture<HttpResponse<String>> forwarding = browser.postAsync(
                "/counter/increment-then-resolved-forward-gated", "", REJOIN);
        Gate.awaitEntered(); // count=1 stashed before the view rendered; the handler it forwarded to made it 2

        CompletableFuture<Void> nextWaits = turns.nextWaitFor(COUNTER);
        CompletableFuture<HttpResponse<String>> next = browser.postAsync("/counter/increment-body", "", REJOIN);
        assertQueued(nextWaits, next);

        Gate.open();
        assertThat(forwarding.get(30, TimeUnit.SECONDS).body()).isEqualTo("2");
        assertThat(next.get(30, TimeUnit.SECONDS).body()).as("recovered after the forwarded handler's stash")
                .isEqualTo("3");
        assertThat(browser.get("/counter", REJOIN).body()).as("three increments, none lost").startsWith("count=3;");
    }

    @Test
    void aHandlerKeepsItsTurnWhileAnIncludedHandlerOfAnotherViewRunsAndReturns() throws Exception {
        browser.get("/forward");
        CompletableFuture<HttpResponse<String>> including = browser.postAsync(
                "/forward/include-counter-then-gated-increment", "", REJOIN);
        Gate.awaitEntered(); // the included counter handler returned; this view's change is still to come

        CompletableFuture<Void> nextWaits = turns.nextWaitFor("ForwardingController");
        CompletableFuture<HttpResponse<String>> next = browser.postAsync("/forward/increment", "", REJOIN);
        assertQueued(nextWaits, next);

        Gate.open();
        assertThat(including.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(302);
        assertThat(next.get(30, TimeUnit.SECONDS).body()).as("recovered after the including request's stash")
                .isEqualTo("forwards=2");
        assertThat(browser.get("/forward", REJOIN).body()).isEqualTo("forwards=2");
        assertThat(browser.get("/counter", REJOIN).body()).startsWith("count=1;");
    }

    @Test
    void whileATurnIsHeldOtherViewsOfTheSessionAndOtherSessionsAreNotHeldUp() throws Exception {
        browser.get("/counter");
        CompletableFuture<HttpResponse<String>> held = browser.postAsync("/counter/gated-increment", "", REJOIN);
        Gate.awaitEntered();

        assertThat(browser.post("/prefs/theme", "theme=dark").body()).as("another view, same session").isEqualTo("dark");
        assertThat(new Browser(port).post("/counter/increment-body", "").body()).as("same view, another session")
                .isEqualTo("1");
        CompletableFuture<Void> sameViewWaits = turns.nextWaitFor(COUNTER);
        CompletableFuture<HttpResponse<String>> sameView = browser.postAsync("/counter/increment-body", "", REJOIN);
        assertQueued(sameViewWaits, sameView);

        Gate.open();
        assertThat(held.get(30, TimeUnit.SECONDS).body()).isEqualTo("1");
        assertThat(sameView.get(30, TimeUnit.SECONDS).body()).isEqualTo("2");
        assertThat(browser.get("/prefs").body()).startsWith("dark;");
    }

    @Test
    void aViewThatOptsOutRunsItsRequestsSideBySideAndGivesUpReadModifyWrite() throws Exception {
        browser.get("/loose");
        CompletableFuture<HttpResponse<String>> held = browser.postAsync("/loose/gated-increment", "", REJOIN);
        Gate.awaitEntered(); // recovered count=0, incremented to 1, not stashed yet

        assertThat(browser.post("/loose/increment", "", REJOIN).body()).as("not held up: it read 0 too").isEqualTo("1");
        Gate.open();
        assertThat(held.get(30, TimeUnit.SECONDS).body()).isEqualTo("1");
        assertThat(browser.get("/loose", REJOIN).body()).as("two increments, one counted: last write wins")
                .isEqualTo("count=1;username=null");
    }

    @Test
    void theTurnIsHandedOnWhenTheHandlerThrows() throws Exception {
        browser.get("/counter");
        CompletableFuture<HttpResponse<String>> failing = browser.postAsync("/counter/gated-increment-then-fail", "",
                REJOIN);
        Gate.awaitEntered();
        CompletableFuture<Void> nextWaits = turns.nextWaitFor(COUNTER);
        CompletableFuture<HttpResponse<String>> next = browser.postAsync("/counter/increment-body", "", REJOIN);
        assertQueued(nextWaits, next);

        Gate.open();
        assertThat(failing.get(30, TimeUnit.SECONDS).body()).as("the app's catch-all answered")
                .isEqualTo("caught IllegalStateException");
        HttpResponse<String> after = next.get(30, TimeUnit.SECONDS);
        assertThat(after.statusCode()).as("got the turn, not a turn timeout").isEqualTo(200);
        assertThat(after.body()).as("the failed handler stashed nothing").isEqualTo("1");
    }

    @Test
    void aTurnTakenInAnIncludeByAHandlerThatIsNoViewIsHandedOnWhenTheIncludedHandlerThrows() throws Exception {
        browser.get("/counter");
        HttpResponse<String> including = browser.post("/plain/include-failing-counter", "", REJOIN);
        assertThat(including.body()).isEqualTo("caught IllegalStateException|included");

        CompletableFuture<Void> nextWaits = turns.nextWaitFor(COUNTER);
        HttpResponse<String> next = browser.postAsync("/counter/increment-body", "", REJOIN).get(30, TimeUnit.SECONDS);
        assertThat(next.statusCode()).as("got the turn, not a turn timeout").isEqualTo(200);
        assertThat(nextWaits).as("the turn was free").isNotDone();
        assertThat(next.body()).as("the failed included handler stashed nothing").isEqualTo("1");
    }

    @Test
    void theTurnIsHandedOnWhenTheStashFails() throws Exception {
        logs.expect(Level.WARN, "answering 503 to POST /counter/gated-increment");
        browser.get("/counter");
        storage.failNext(Operation.PUT, 1);
        CompletableFuture<HttpResponse<String>> failing = browser.postAsync("/counter/gated-increment", "", REJOIN);
        Gate.awaitEntered();
        CompletableFuture<Void> nextWaits = turns.nextWaitFor(COUNTER);
        CompletableFuture<HttpResponse<String>> next = browser.postAsync("/counter/increment-body", "", REJOIN);
        assertQueued(nextWaits, next);

        Gate.open();
        assertThat(failing.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
        HttpResponse<String> after = next.get(30, TimeUnit.SECONDS);
        assertThat(after.statusCode()).as("got the turn, not a turn timeout").isEqualTo(200);
        assertThat(after.body()).isEqualTo("1");
    }
}
