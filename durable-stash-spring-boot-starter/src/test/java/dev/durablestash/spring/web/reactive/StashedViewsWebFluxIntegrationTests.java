package dev.durablestash.spring.web.reactive;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.durablestash.spring.web.reactive.testapp.FluxTestApplication;
import dev.durablestash.spring.web.reactive.testapp.Gate;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/** The reactive test app on Netty at a random port over the in-memory backend. */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.max-value-size=1KB" })
class StashedViewsWebFluxIntegrationTests extends FluxAppTestSupport {

    static final String TAGGED_SID = "[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{22}";

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @AfterEach
    void openGate() {
        Gate.open(); // the base class clears the faults after this
    }

    @Test
    void fieldsAreRecoveredBeforeTheHandlerAndStashedForRedirectsBodiesMonosEntitiesAndFluxes() {
        EntityExchangeResult<String> redirect = browser.post("/counter/increment", "");
        assertThat(redirect.getStatus().value()).isEqualTo(303);
        assertThat(redirect.getResponseHeaders().getLocation()).hasToString("/counter");
        assertThat(browser.get("/counter").getResponseBody()).isEqualTo("count=1;draft=null");

        assertThat(browser.post("/counter/increment-view", "").getResponseBody()).as("a rendered view")
                .isEqualTo("counter:count=2;");
        assertThat(browser.post("/counter/increment-body", "").getResponseBody()).isEqualTo("3");
        assertThat(browser.post("/counter/increment-mono", "").getResponseBody()).as("changed while the Mono ran")
                .isEqualTo("4");
        assertThat(browser.post("/counter/increment-entity", "").getStatus().value()).isEqualTo(303);
        assertThat(browser.post("/counter/increment-flux", "").getResponseBody()).isEqualTo("ab");

        assertThat(browser.get("/counter").getResponseBody()).isEqualTo("count=6;draft=null");
        assertThat(new FluxClient(port).get("/counter").getResponseBody()).as("another browser")
                .isEqualTo("count=0;draft=null");
    }

    @Test
    void theSidCookieIsIssuedOnlyWhenAViewIsMountedWithTheServletCookiesAttributes() {
        EntityExchangeResult<String> script = browser.get("/durable-stash.js");
        assertThat(script.getStatus().value()).isEqualTo(200);
        assertThat(script.getResponseBody()).contains("X-Stash-Mounts", "_mounts");
        assertThat(script.getResponseHeaders().getCacheControl()).isEqualTo("no-cache");
        assertThat(FluxClient.sidSetCookie(script)).isNull();

        EntityExchangeResult<String> mounted = browser.get("/counter");
        assertThat(FluxClient.sidSetCookie(mounted)).isNotNull().containsIgnoringCase("HttpOnly").contains("Path=/")
                .containsIgnoringCase("SameSite=Lax").doesNotContainIgnoringCase("Secure")
                .doesNotContainIgnoringCase("Max-Age");
        assertThat(browser.sid()).matches(TAGGED_SID);
        assertThat(FluxClient.sidSetCookie(browser.get("/counter"))).as("known sid: no new cookie").isNull();
    }

    @Test
    void aSidTheServerDidNotIssueIsNeverAdopted() {
        FluxClient attacker = new FluxClient(port);
        EntityExchangeResult<String> planted = attacker.client.get().uri("/counter")
                .header("Cookie", "sid=" + "A".repeat(43)).exchange().expectBody(String.class).returnResult();
        assertThat(FluxClient.sidSetCookie(planted)).as("a new sid is issued").isNotNull()
                .doesNotStartWith("sid=" + "A".repeat(43));
    }

    @Test
    void twoConcurrentExchangesNeverSeeEachOthersFields() throws Exception {
        browser.get("/counter"); // one browser session for both
        Gate.close();
        CompletableFuture<EntityExchangeResult<String>> first = CompletableFuture.supplyAsync(
                () -> browser.post("/hold?note=first&hold=true", "", REJOIN));
        Gate.entered().get(30, TimeUnit.SECONDS); // the first exchange set its field and waits
        EntityExchangeResult<String> second = browser.post("/hold?note=second", "", REJOIN);
        Gate.open();
        String firstBody = first.get(30, TimeUnit.SECONDS).getResponseBody();
        assertThat(second.getResponseBody()).startsWith("second@");
        assertThat(firstBody).as("the second exchange set its own instance's field").startsWith("first@");
        assertThat(firstBody.substring(6)).as("two instances").isNotEqualTo(second.getResponseBody().substring(7));
    }

    @Test
    void concurrentIncrementsOfOneBrowserSessionTakeTurnsAndLoseNothing() {
        browser.get("/counter");
        List<CompletableFuture<EntityExchangeResult<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            answers.add(CompletableFuture.supplyAsync(() -> browser.post("/counter/increment-mono", "", REJOIN)));
        }
        Set<String> counts = new HashSet<>();
        for (CompletableFuture<EntityExchangeResult<String>> answer : answers) {
            counts.add(answer.join().getResponseBody());
        }
        assertThat(counts).as("every exchange saw the one before it").hasSize(20);
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).startsWith("count=20;");
    }

    @Test
    void reconnectKeysComeBackOnlyOnARejoin() {
        browser.post("/counter/draft", "draft=hello", REJOIN);
        assertThat(browser.get("/counter?_mounts=1").getResponseBody()).endsWith("draft=hello");
        browser.post("/counter/draft", "draft=again&_mounts=1");
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).endsWith("draft=again");
        assertThat(browser.get("/counter").getResponseBody()).as("a fresh mount").endsWith("draft=null");
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).as("cleared by it").endsWith("draft=null");
    }

    @Test
    void aFailedStashAnswersTheFailureStatusNeverASuccess() {
        logs.expect(Level.WARN, "answering 503 to POST /counter/increment")
                .expect(Level.WARN, "answering 503 to POST /tally/add");
        browser.post("/counter/increment-body", "", REJOIN);
        for (String path : new String[] { "/counter/increment", "/counter/increment-view", "/counter/increment-body", "/counter/increment-mono",
                "/counter/increment-entity", "/counter/increment-flux", "/tally/add" }) {
            storage.failNext(Operation.PUT, 1);
            EntityExchangeResult<String> failed = browser.post(path, "", REJOIN);
            assertThat(failed.getStatus().value()).as(path).isEqualTo(503);
            assertThat(failed.getResponseHeaders().getLocation()).as(path).isNull();
        }
        storage.clearFaults();
        assertThat(browser.post("/counter/increment-body", "", REJOIN).getResponseBody()).isEqualTo("2");
        assertThat(browser.get("/tally", REJOIN).getResponseBody()).isEqualTo("total=0");
    }

    /** Contract rule 13 over WebFlux: a value over max-value-size (1 KB here) fails the exchange and changes nothing. */
    @Test
    void anOversizedValueAnswersTheFailureStatusAndTheStoredStateIsKept() {
        logs.expect(Level.ERROR, "Cannot stash key 'draft' of view 'FluxCounterController'");
        browser.post("/counter/draft", "draft=kept", REJOIN);
        EntityExchangeResult<String> oversized = browser.post("/counter/draft", "draft=" + "x".repeat(2_000), REJOIN);
        assertThat(oversized.getStatus().value()).isEqualTo(500);
        assertThat(logs.messages(Level.ERROR)).anySatisfy(message -> assertThat(message)
                .contains("more than the limit of 1024 bytes (max-value-size)"));
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).endsWith("draft=kept");
    }

    @Test
    void aCatchAllExceptionHandlerOrAHandlerThatSwallowsTheErrorCannotTurnAFailedStashIntoASuccess() {
        logs.expect(Level.WARN, "answering 503 to POST /catching/");
        browser.post("/catching/increment", "", REJOIN);
        for (String path : new String[] { "/catching/increment", "/catching/stash-now",
                "/catching/stash-now-swallowed" }) {
            storage.failNext(Operation.PUT, 1);
            assertThat(browser.post(path, "", REJOIN).getStatus().value()).as(path).isEqualTo(503);
        }
        storage.clearFaults();
        assertThat(browser.post("/catching/increment", "", REJOIN).getResponseBody()).isEqualTo("2");
    }

    @Test
    void aHandlerThatFailsStashesNothing() {
        assertThat(browser.post("/counter/fail", "", REJOIN).getStatus().value()).isEqualTo(409);
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).startsWith("count=0;");
        assertThat(browser.post("/tally/add-and-fail", "", REJOIN).getStatus().value()).isEqualTo(409);
        assertThat(browser.get("/tally", REJOIN).getResponseBody()).isEqualTo("total=0");
    }

    @Test
    void aStateClassTakenAsAHandlerArgumentIsRecoveredAndStashed() {
        assertThat(browser.get("/basket").getResponseBody()).isEqualTo("[]");
        browser.post("/basket?item=a", "");
        assertThat(browser.post("/basket?item=b", "").getResponseBody()).isEqualTo("[a, b]");
        assertThat(browser.get("/basket").getResponseBody()).isEqualTo("[a, b]");
        assertThat(new FluxClient(port).get("/basket").getResponseBody()).isEqualTo("[]");
    }

    @Test
    void aFunctionalRouteRecoversStashesAndResetsThroughItsHandle() {
        assertThat(browser.get("/tally").getResponseBody()).isEqualTo("total=0");
        assertThat(browser.post("/tally/add", "").getResponseBody()).isEqualTo("total=5");
        assertThat(browser.post("/tally/add-now", "").getResponseBody()).isEqualTo("stashed");
        assertThat(browser.get("/tally").getResponseBody()).isEqualTo("total=6");
        assertThat(browser.post("/tally/reset", "").getResponseBody()).isEqualTo("total=0");
        assertThat(browser.get("/tally").getResponseBody()).isEqualTo("total=0");
    }

    @Test
    void aControllerResetsItsViewThroughTheReactiveStashHandle() {
        browser.post("/counter/increment", "");
        assertThat(browser.post("/counter/reset", "").getResponseBody()).isEqualTo("count=0;RECOVERED");
        assertThat(browser.get("/counter").getResponseBody()).startsWith("count=0;");
    }
}
