package dev.durablestash.spring.web.reactive;

import static dev.durablestash.testsupport.Stages.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.spring.web.reactive.aftercommit.AfterCommitTestApplication.GatedStorage;
import dev.durablestash.spring.web.reactive.movereview.MoveReviewApplication;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * Review of the moves of a browser session's state (ReactiveBrowserSession): a follow of a login whose caller gave
 * up while its move ran (the move lands and the session takes its sid, so the commit's follow does not move the
 * emptied sid again), rotate() beside end() (the end is not undone), and two first resolutions of a logged-in
 * exchange at once (one move).
 */
@SpringBootTest(classes = MoveReviewApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.operation-timeout=5s" })
class WebFluxMoveInFlightReviewTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash").allow(Level.INFO, "").allow(Level.WARN, "").allow(Level.ERROR, "");

    @LocalServerPort
    int port;

    @Autowired
    GatedStorage storage;

    @BeforeEach
    void setUp() {
        MoveReviewApplication.clear();
        storage.memory.clearFaults();
    }

    @AfterEach
    void tearDown() {
        storage.passAll();
        storage.memory.clearFaults();
    }

    /**
     * A handler logs in and follows the principal itself, but gives that follow up (a takeUntil / timeout of its own)
     * while the move's copy is in storage; the cart then changes, so the commit's stash follows the principal again.
     * Before the fix the first move counted as ended on cancel while its storage rotation still ran, and the session
     * kept the old sid: the second follow started a second move from the same, emptied, anonymous sid, and the state
     * of a view the exchange did not bind was left out of reach. docs/spring.md: the login "moves the anonymous
     * state ... to a new sid bound to the new principal"; "writes ... move the state once".
     */
    @Test
    void aCancelledFollowDoesNotLetASecondMoveStartFromTheSameAnonymousSid() throws Exception {
        Browser browser = new Browser(port);
        browser.post("/f/third/bump");
        browser.post("/f/cart/bump");
        String anonymousSid = browser.cookies.get("sid");
        GatedStorage.Gate rotation = storage.holdNextPutNotTo(storage.lastPutKey());

        CompletableFuture<Browser.Response> login = CompletableFuture.supplyAsync(
                () -> browser.post("/m/login-follow-cancelled"));
        rotation.reached.get(10, TimeUnit.SECONDS); // the handler's follow: the anonymous state is being copied
        MoveReviewApplication.cancelFollow.complete(null); // the handler gives its follow up
        // the commit's stash follows the principal again
        awaitUntil("the commit's follow", () -> MoveReviewApplication.ADA_RESOLUTIONS.get() >= 2);
        rotation.pass();
        Browser.Response response = login.get(20, TimeUnit.SECONDS);
        MoveReviewApplication.ended("/m/login-follow-cancelled").get(10, TimeUnit.SECONDS);

        String cookieAfter = browser.cookies.get("sid");
        String third = browser.get("/f/third").body();
        String cart = browser.get("/f/cart").body();
        SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(response.status()).isEqualTo(200);
            softly.assertThat(cookieAfter).isNotEqualTo(anonymousSid);
            softly.assertThat(third).as("the anonymous state of a view not bound in the login exchange").isEqualTo("count=1");
            softly.assertThat(cart).as("the cart, bumped after the login").isEqualTo("count=2");
            softly.assertThat(logs.messages(Level.WARN)).as("WARNs").isEmpty();
            softly.assertThat(logs.messages(Level.ERROR)).as("ERRORs").isEmpty();
        });
    }

    /**
     * rotate() and end() together. Before the fix rotate() marked its move only after it stashed the bound views (held
     * here), and an end() in that window ran at once; rotate() then set a new sid and cookie. Now rotate() decides
     * again when the session changed meanwhile (nothing to rotate once it ended). end(): "the cookie is cleared at
     * once, and the stored state is removed".
     */
    @Test
    void endBesideRotateWhileRotateStashesTheViewsEndsTheSession() throws Exception {
        Browser browser = new Browser(port);
        browser.post("/f/third/bump");
        browser.post("/f/cart/bump");

        CompletableFuture<Browser.Response> request = CompletableFuture.supplyAsync(() -> browser.post("/m/rotate-end"));
        GatedStorage.Gate stash = MoveReviewApplication.rotateStashGate.get(10, TimeUnit.SECONDS);
        stash.reached.get(10, TimeUnit.SECONDS); // rotate() stashes the cart before it moves the state
        MoveReviewApplication.endNow.complete(null);
        ServerWebExchange exchange = awaitExchange("rotate-end");
        awaitUntil("end() ran (the session unresolved)",
                () -> ReactiveBrowserSession.of(exchange).toString().contains("unresolved"));
        stash.pass();
        Browser.Response response = request.get(20, TimeUnit.SECONDS);
        MoveReviewApplication.ended("/m/rotate-end").get(10, TimeUnit.SECONDS);

        String cookieAfter = browser.cookies.get("sid");
        String third = browser.get("/f/third").body();
        String cart = browser.get("/f/cart").body();
        SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(response.status()).as("status (body " + response.body() + ")").isEqualTo(200);
            softly.assertThat(cookieAfter).as("the sid cookie after end()").isNull();
            softly.assertThat(third).as("the ended session's third").isEqualTo("count=0");
            softly.assertThat(cart).as("the ended session's cart").isEqualTo("count=0");
            softly.assertThat(logs.messages(Level.WARN)).as("WARNs").isEmpty();
            softly.assertThat(logs.messages(Level.ERROR)).as("ERRORs").isEmpty();
        });
    }

    /**
     * A browser logged in (SESSION cookie) by a request that touched no view, so its sid cookie is still anonymous.
     * Its next request handles two views at once (zip): both resolve the sid first, both see an anonymous session for
     * a logged-in exchange and decide to move it. One move, both views under the new sid.
     */
    @Test
    void twoFirstResolutionsOfALoggedInExchangeWithAnAnonymousCookieMoveTheStateOnce() throws Exception {
        Browser browser = new Browser(port);
        browser.post("/f/third/bump");
        browser.post("/f/cart/bump");
        browser.post("/f/profile/bump");
        String anonymousSid = browser.cookies.get("sid");
        browser.post("/m/login-only");
        assertThat(browser.cookies.get("sid")).isEqualTo(anonymousSid);
        GatedStorage.Gate rotation = storage.holdNextPutNotTo(storage.lastPutKey());

        CompletableFuture<Browser.Response> both = CompletableFuture.supplyAsync(() -> browser.post("/m/zip-bump"));
        rotation.reached.get(10, TimeUnit.SECONDS);
        awaitUntil("both resolutions asked for the principal", () -> MoveReviewApplication.ADA_RESOLUTIONS.get() >= 2);
        rotation.pass();
        Browser.Response response = both.get(20, TimeUnit.SECONDS);
        MoveReviewApplication.ended("/m/zip-bump").get(10, TimeUnit.SECONDS);

        String cookieAfter = browser.cookies.get("sid");
        String third = browser.get("/f/third").body();
        String cart = browser.get("/f/cart").body();
        String profile = browser.get("/f/profile").body();
        SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(response.status()).isEqualTo(200);
            softly.assertThat(cookieAfter).isNotEqualTo(anonymousSid);
            softly.assertThat(third).isEqualTo("count=1");
            softly.assertThat(cart).isEqualTo("count=2");
            softly.assertThat(profile).isEqualTo("count=2");
            softly.assertThat(logs.messages(Level.WARN)).as("WARNs").isEmpty();
            softly.assertThat(logs.messages(Level.ERROR)).as("ERRORs").isEmpty();
        });
    }

    private static ServerWebExchange awaitExchange(String name) throws InterruptedException {
        awaitUntil("the exchange " + name, () -> MoveReviewApplication.EXCHANGES.containsKey(name));
        return MoveReviewApplication.EXCHANGES.get(name);
    }

}
