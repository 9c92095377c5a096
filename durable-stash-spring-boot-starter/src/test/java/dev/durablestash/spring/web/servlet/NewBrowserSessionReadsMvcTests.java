package dev.durablestash.spring.web.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;

import dev.durablestash.spring.web.servlet.testapp.Gate;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

/**
 * A request that makes a new browser session recovers its views without reading storage: nothing can be
 * stored under a sid no one but the request knows. It does read once the sid may be known elsewhere (its
 * response committed) or once the request wrote under it.
 */
class NewBrowserSessionReadsMvcTests extends RunningMvcTestApp {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aNewBrowsersFirstPageReadsNothingFromStorage() {
        storage.resetCounters();

        HttpResponse<String> first = browser.get("/counter");

        assertThat(first.body()).startsWith("count=0;");
        assertThat(Browser.sidSetCookie(first)).as("the new browser session's cookie").isNotNull();
        assertThat(storage.count(Operation.GET)).as("GETs of the first page").isZero();
        assertThat(storage.count(Operation.PUT)).as("PUTs of the first page").isZero();

        assertThat(browser.get("/counter", REJOIN).body()).startsWith("count=0;");
        assertThat(storage.count(Operation.GET)).as("the next request, with the cookie, reads storage").isEqualTo(1);
    }

    /** Nothing was read, so nothing failed: the view of a new session is NOT_FOUND; with the cookie, ERROR. */
    @Test
    void whileStorageCannotBeReadANewSessionsViewIsNotFoundAndAKnownOnesIsAnError() {
        logs.expect(Level.WARN, "recover failed");
        storage.setFailureRate(Operation.GET, 1.0);

        assertThat(browser.get("/counter/status").body()).isEqualTo("CounterController:NOT_FOUND");
        assertThat(browser.get("/counter/status", REJOIN).body()).isEqualTo("CounterController:ERROR");
    }

    /** A first page that stashes does not read either: its write is a create (the engine's stashUnderNewSid). */
    @Test
    void aNewBrowsersFirstPageThatStashesReadsNothing() {
        storage.resetCounters();

        assertThat(browser.get("/counter/visit").body()).isEqualTo("1");

        assertThat(storage.count(Operation.GET)).as("GETs").isZero();
        assertThat(storage.count(Operation.PUT)).as("PUTs").isEqualTo(1);
        assertThat(browser.get("/counter/visit", REJOIN).body()).as("the next visit, with the cookie").isEqualTo("2");
    }

    @Test
    void aNewBrowsersFirstChangeIsStored() {
        assertThat(browser.post("/counter/increment-body", "").body()).isEqualTo("1");

        assertThat(browser.get("/counter", REJOIN).body()).startsWith("count=1;");
    }

    /**
     * The first handler stashes its atomic view before the forward; the asynchronous result forwards back to
     * it, and the view is bound again (its turn taken again) and changed again: no change of the new browser
     * session is lost. (UnissuedSidRecoverTests has a view bound again as a new instance.)
     */
    @Test
    void anAtomicViewBoundAgainInTheRequestThatMadeTheSessionLosesNoChange() {
        Gate.arm();
        CompletableFuture<HttpResponse<String>> first = browser.postAsync(
                "/forward/increment-then-forward-to-async-forwarding-back", "");
        Gate.awaitEntered();
        Gate.open();

        assertThat(first.join().statusCode()).isEqualTo(200);
        assertThat(browser.get("/forward", REJOIN).body()).as("two increments of a new browser session")
                .isEqualTo("forwards=2");
    }

    /**
     * Once the response carrying the new sid's cookie is committed, the browser may use it (here: another
     * request stores under it while the first one waits); a view bound after that reads storage.
     */
    @Test
    void aViewBoundAfterTheCookieWasSentReadsStorage() throws Exception {
        Gate.arm();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/plain/commit-then-include-counter")).GET().build();
        CompletableFuture<HttpResponse<InputStream>> first = CLIENT.sendAsync(request,
                HttpResponse.BodyHandlers.ofInputStream());
        Gate.awaitEntered();
        HttpResponse<InputStream> headers = first.get(30, TimeUnit.SECONDS);
        String setCookie = Browser.sidSetCookie(headers);
        assertThat(setCookie).as("the cookie of the committed response").isNotNull();

        Browser sameBrowser = new Browser(port);
        sameBrowser.setSidCookie(setCookie.substring("sid=".length(), setCookie.indexOf(';')));
        assertThat(sameBrowser.post("/counter/increment-body", "", REJOIN).body()).isEqualTo("1");
        Gate.open();

        try (InputStream body = headers.body()) {
            assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8))
                    .as("the page included after the other request stored count=1").startsWith("count=1;");
        }
    }
}
