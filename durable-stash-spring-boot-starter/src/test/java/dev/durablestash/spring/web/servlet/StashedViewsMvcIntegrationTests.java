package dev.durablestash.spring.web.servlet;

import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;

import dev.durablestash.core.SessionIds;
import dev.durablestash.spring.web.servlet.testapp.Gate;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

import static org.assertj.core.api.Assertions.assertThat;

class StashedViewsMvcIntegrationTests extends RunningMvcTestApp {

    /** A cookie value the server issued: the sid, a dot and its tag. */
    static final String TAGGED_SID = "[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{22}";

    @Test
    void aHandlerReachedThroughAForwardStashesItsChangesAsTheFirstHandlerDoes() {
        browser.get("/counter");

        HttpResponse<String> forwarded = browser.post("/forward/counter-increment", "", REJOIN);
        assertThat(forwarded.statusCode()).isEqualTo(200);
        assertThat(forwarded.body()).as("the forward's handler ran").isEqualTo("1");

        assertThat(browser.get("/forward", REJOIN).body()).isEqualTo("forwards=1");
        assertThat(browser.get("/counter", REJOIN).body()).as("the 200 above said count=1 was stored")
                .contains("count=1");
    }

    @Test
    void aChangeMadeAfterAnIncludedHandlerReturnedIsStashedBeforeTheRedirect() {
        browser.get("/counter");

        HttpResponse<String> redirect = browser.post("/forward/include-counter-then-increment", "", REJOIN);
        assertThat(redirect.statusCode()).isEqualTo(302);

        assertThat(browser.get("/counter", REJOIN).body()).as("the included handler's change").contains("count=1");
        assertThat(browser.get("/forward", REJOIN).body()).as("the change the redirect acknowledged")
                .isEqualTo("forwards=1");
    }

    @Test
    void anIncludedHandlerThatThrowsStashesNothingWhenTheHandlerThatIncludedItGoesOn() {
        browser.get("/counter");

        HttpResponse<String> including = browser.post("/forward/increment-then-include",
                "path=/counter/increment-then-fail", REJOIN);
        assertThat(including.body()).as("the app's catch-all answered the include")
                .isEqualTo("caught IllegalStateException|forwards=1");

        assertThat(browser.get("/counter", REJOIN).body()).as("the failed included handler's count++ is not stored")
                .startsWith("count=0;");
        assertThat(browser.get("/forward", REJOIN).body()).as("the including handler's own change is")
                .isEqualTo("forwards=1");
    }

    @Test
    void anIncludedHandlerThatThrowsLeavesAViewItSharesWithTheIncludingHandlerAsItWasBeforeTheInclude() {
        browser.get("/forward");

        HttpResponse<String> including = browser.post("/forward/increment-then-include",
                "path=/forward/increment-then-fail", REJOIN);
        assertThat(including.body()).as("the including handler sees its own change only")
                .isEqualTo("caught IllegalStateException|forwards=1");
        assertThat(browser.get("/forward", REJOIN).body()).as("one increment stored, not the failed handler's")
                .isEqualTo("forwards=1");
    }

    @Test
    void whatAnIncludedHandlerThatThrowsStoredWithStashNowStaysStored() {
        browser.get("/forward");

        HttpResponse<String> including = browser.post("/forward/increment-then-include",
                "path=/forward/increment-stash-now-increment-then-fail", REJOIN);
        assertThat(including.body()).as("the value stashNow() stored, not the change after it")
                .isEqualTo("caught IllegalStateException|forwards=2");
        assertThat(browser.get("/forward", REJOIN).body()).isEqualTo("forwards=2");
    }

    @Test
    void fieldsAreRecoveredBeforeTheHandlerForRedirectsViewsAndResponseBodies() {
        HttpResponse<String> redirect = browser.post("/counter/increment", "");
        assertThat(redirect.statusCode()).isEqualTo(302);
        assertThat(redirect.headers().firstValue("Location")).hasValueSatisfying((l) -> assertThat(l).endsWith("/counter"));
        assertThat(browser.get("/counter").body()).isEqualTo("count=1;username=null;draft=null");

        assertThat(browser.post("/counter/increment-body", "").body()).isEqualTo("2");
        HttpResponse<String> rendered = browser.post("/counter/increment-view", "");
        assertThat(rendered.statusCode()).isEqualTo(200);
        assertThat(rendered.body()).startsWith("count=3;");
        assertThat(browser.post("/counter/increment-void", "").body()).isEqualTo("4");
        assertThat(browser.post("/counter/increment-entity", "").statusCode()).isEqualTo(303);

        assertThat(browser.get("/counter").body()).startsWith("count=5;");
    }

    @Test
    void anotherCookieJarSeesDefaults() {
        browser.post("/counter/increment", "");
        browser.post("/counter/username", "username=ada");
        Browser other = new Browser(port);
        assertThat(other.get("/counter").body()).isEqualTo("count=0;username=null;draft=null");
        assertThat(browser.get("/counter").body()).isEqualTo("count=1;username=ada;draft=null");
    }

    @Test
    void theSidCookieIsIssuedOnlyWhenAStashedViewIsMountedWithHttpOnlyAndSameSiteLax() {
        HttpResponse<String> plain = browser.get("/plain");
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(Browser.sidSetCookie(plain)).isNull();

        HttpResponse<String> script = browser.get("/durable-stash.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.body()).contains("X-Stash-Mounts", "_mounts", "htmx:configRequest");
        assertThat(script.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(Browser.sidSetCookie(script)).isNull();

        HttpResponse<String> mounted = browser.get("/counter");
        String setCookie = Browser.sidSetCookie(mounted);
        assertThat(setCookie).isNotNull().contains("HttpOnly").containsIgnoringCase("SameSite=Lax")
                .doesNotContainIgnoringCase("Secure;").doesNotContainIgnoringCase("Max-Age");
        assertThat(browser.sidCookie()).matches(TAGGED_SID);

        assertThat(Browser.sidSetCookie(browser.get("/counter"))).as("known sid: no new cookie").isNull();
    }

    @Test
    void garbageOversizedOrForgedCookiesGetANewEmptySessionNotAnErrorPage() {
        for (String bad : new String[] { "garbage!", "x".repeat(4000), "%00%ff", "" }) {
            Browser b = new Browser(port);
            b.setSidCookie(bad);
            HttpResponse<String> response = b.get("/counter");
            assertThat(response.statusCode()).as(bad).isEqualTo(200);
            assertThat(response.body()).isEqualTo("count=0;username=null;draft=null");
            assertThat(b.sidCookie()).as("new sid for " + bad).matches(TAGGED_SID);
        }
        browser.post("/counter/increment", "");
        Browser forger = new Browser(port);
        forger.setSidCookie(SessionIds.newSid());
        assertThat(forger.get("/counter").body()).isEqualTo("count=0;username=null;draft=null");
    }

    @Test
    void onlyChangedFieldsAreStashedSoConcurrentRequestsOfOneSessionKeepEachOthersKeys() throws Exception {
        // Requests of one session to an atomic view run one at a time; this view opts out, so they overlap.
        browser.get("/loose");
        Gate.arm();
        CompletableFuture<HttpResponse<String>> increment = browser.postAsync("/loose/gated-increment", "", REJOIN);
        Gate.awaitEntered(); // recovered count=0, username=null; now paused
        assertThat(browser.post("/loose/username", "username=bob", REJOIN).body()).isEqualTo("bob");
        Gate.open();
        assertThat(increment.get(30, TimeUnit.SECONDS).body()).isEqualTo("1");
        assertThat(browser.get("/loose", REJOIN).body()).isEqualTo("count=1;username=bob");
    }

    @Test
    void aRequestThatChangesNothingWritesNothing() {
        browser.post("/counter/increment", "", REJOIN);
        long puts = storage.count(Operation.PUT);
        assertThat(browser.get("/counter", REJOIN).body()).startsWith("count=1;");
        assertThat(browser.get("/prefs").statusCode()).isEqualTo(200);
        assertThat(storage.count(Operation.PUT)).isEqualTo(puts);
    }

    @Test
    void concurrentRequestsNeverShareControllerFieldValues() throws Exception {
        Browser bob = new Browser(port);
        Gate.arm();
        CompletableFuture<HttpResponse<String>> alice = browser.postAsync("/counter/gated-username", "username=alice");
        Gate.awaitEntered(); // alice's request has set its field and is paused
        assertThat(bob.post("/counter/username", "username=bob").body()).isEqualTo("bob");
        Gate.open();
        assertThat(alice.get(30, TimeUnit.SECONDS).body()).isEqualTo("alice");
        assertThat(browser.get("/counter").body()).contains("username=alice");
        assertThat(bob.get("/counter").body()).contains("username=bob");
    }

    @Test
    void aStashedViewControllerDeclaredByABeanMethodIsAlsoPerRequest() throws Exception {
        Browser bob = new Browser(port);
        Gate.arm();
        CompletableFuture<HttpResponse<String>> alice = browser.postAsync("/declared/gated-name", "name=alice");
        Gate.awaitEntered();
        assertThat(bob.post("/declared/name", "name=bob").body()).isEqualTo("bob");
        Gate.open();
        assertThat(alice.get(30, TimeUnit.SECONDS).body()).isEqualTo("alice");
    }

    @Test
    void reconnectScopedFieldsAreRecoveredOnRejoinAndClearedByAFreshMount() {
        browser.get("/counter");
        browser.post("/counter/draft", "draft=hello", REJOIN);
        assertThat(browser.get("/counter", REJOIN).body()).endsWith("draft=hello");
        assertThat(browser.get("/counter?_mounts=1").body()).endsWith("draft=hello");
        assertThat(browser.get("/counter?_mounts=abc").body()).as("malformed = fresh").endsWith("draft=null");
        assertThat(browser.get("/counter", REJOIN).body()).as("the fresh mount cleared it").endsWith("draft=null");

        browser.post("/counter/draft", "draft=again&_mounts=1");
        assertThat(browser.get("/counter", Browser.REJOIN, "2").body()).endsWith("draft=again");
        assertThat(browser.get("/counter", Browser.REJOIN, "0").body()).endsWith("draft=null");
    }

    @Test
    void aFailedStashAnswersTheFailureStatusNeverASuccess() {
        logs.expect(Level.WARN, "answering 503 to POST /counter/increment");
        browser.post("/counter/increment", "", REJOIN);
        for (String path : new String[] { "/counter/increment", "/counter/increment-view", "/counter/increment-body",
                "/counter/increment-void", "/counter/increment-entity" }) {
            storage.failNext(Operation.PUT, 1);
            HttpResponse<String> failed = browser.post(path, "", REJOIN);
            assertThat(failed.statusCode()).as(path).isEqualTo(503);
        }
        storage.clearFaults();
        assertThat(browser.post("/counter/increment-body", "", REJOIN).statusCode()).isEqualTo(200);
        assertThat(browser.get("/counter", REJOIN).body()).startsWith("count=2;");
    }

    @Test
    void changesToAViewThatCouldNotBeRecoveredAreRefusedSoTheStoredStateSurvives() {
        logs.expect(Level.WARN, "recover failed, the view keeps its defaults")
                .expect(Level.WARN, "could not be recovered (storage error)");
        browser.post("/counter/increment", "", REJOIN);
        browser.post("/counter/increment", "", REJOIN);
        storage.failNext(Operation.GET, 1);
        // The recover fails, the handler increments the default 0: stashing 1 would lose the stored 2.
        assertThat(browser.post("/counter/increment-body", "", REJOIN).statusCode()).isEqualTo(503);
        assertThat(browser.get("/counter", REJOIN).body()).startsWith("count=2;");
    }

    @Test
    void aValueThatCannotBeStashedAnswers500() {
        logs.expect(Level.ERROR, "Cannot stash key 'username' of view 'CounterController' for POST /counter/username");
        HttpResponse<String> response = browser.post("/counter/username", "username=" + "x".repeat(2000));
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(browser.get("/counter").body()).contains("username=null");
    }

    @Test
    void aStateClassTakenAsAHandlerArgumentIsRecoveredAndStashed() {
        assertThat(browser.get("/prefs").body()).isEqualTo("light;[];prefs:NOT_FOUND");
        browser.post("/prefs/theme", "theme=dark");
        browser.post("/prefs/recent", "item=a");
        assertThat(browser.post("/prefs/recent", "item=b").body()).isEqualTo("[a, b]");
        assertThat(browser.get("/prefs").body()).isEqualTo("dark;[a, b];prefs:RECOVERED");
        assertThat(new Browser(port).get("/prefs").body()).isEqualTo("light;[];prefs:NOT_FOUND");
    }

    @Test
    void aControllerBehindAScopedProxyIsRecoveredAndStashedThroughItsTarget() {
        assertThat(browser.post("/proxied/hit", "").body()).isEqualTo("1");
        assertThat(browser.post("/proxied/hit", "").body()).isEqualTo("2");
        assertThat(new Browser(port).post("/proxied/hit", "").body()).isEqualTo("1");
    }

    @Test
    void theStashHandleReportsTheRecoveryStatusAndResetsTheView() {
        assertThat(browser.get("/counter/status").body()).isEqualTo("CounterController:NOT_FOUND");
        browser.post("/counter/increment", "");
        browser.post("/counter/username", "username=ada");
        assertThat(browser.get("/counter/status").body()).isEqualTo("CounterController:RECOVERED");
        assertThat(browser.post("/counter/reset", "").body()).isEqualTo("count=0;username=null;draft=null");
        assertThat(browser.get("/counter").body()).isEqualTo("count=0;username=null;draft=null");
        assertThat(browser.get("/counter/status").body()).isEqualTo("CounterController:NOT_FOUND");
    }
}
