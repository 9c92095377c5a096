package dev.durablestash.spring.web.reactive;

import static dev.durablestash.testsupport.Stages.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.spring.web.reactive.followprincipal.FollowPrincipalApplication;
import dev.durablestash.spring.web.reactive.aftercommit.AfterCommitTestApplication.GatedStorage;
import dev.durablestash.testsupport.ExpectedLogs;

import reactor.core.Disposable;
import org.assertj.core.api.SoftAssertions;

/**
 * A reset after a login, and the moves of a browser session's state: ReactiveStash.reset() puts the
 * fields back on subscription and writes once the session followed the principal; what happens when another follow of
 * the same exchange runs meanwhile (a stash of another view, the commit's), when end() runs meanwhile, when the client
 * goes away meanwhile, when a follow's caller gives up while its move runs, when rotate() runs beside end(), and when
 * two first resolutions of a logged-in exchange run at once.
 */
@SpringBootTest(classes = FollowPrincipalApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.operation-timeout=5s" })
class WebFluxResetFollowPrincipalTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash").allow(Level.INFO, "").allow(Level.WARN, "")
            .allow(Level.ERROR, "");

    @LocalServerPort
    int port;

    @Autowired
    GatedStorage storage;

    @BeforeEach
    void setUp() {
        FollowPrincipalApplication.clear();
        storage.memory.clearFaults();
    }

    @AfterEach
    void tearDown() {
        storage.passAll();
        storage.memory.clearFaults();
    }

    /**
     * docs/spring.md: a login in the handler "moves the anonymous state and the handler's changes to a new sid bound to
     * the new principal ... the anonymous sid keeps nothing. The same holds for a ReactiveStash.reset()". A handler logs
     * in, then starts the cart over and saves the profile together (Mono.when). The reset's follow (a rotation through
     * storage, held here) and the stash's follow run at once. Before the fix both saw the session anonymous, so it was
     * moved twice (anon -> A, then anon, now empty, -> B), the cookie named B, and the state of the view this exchange
     * did not bind (third, count=1) stayed under A, out of reach; now the second follow waits for the first move.
     */
    @Test
    void aResetAndAStashOfAnotherViewAfterALoginMoveTheAnonymousStateOnce() throws Exception {
        Browser browser = new Browser(port);
        browser.post("/f/third/bump");
        browser.post("/f/cart/bump");
        browser.post("/f/profile/bump");
        String anonymousSid = browser.cookies.get("sid");
        GatedStorage.Gate rotation = storage.holdNextPutNotTo(storage.lastPutKey());

        CompletableFuture<Browser.Response> login = CompletableFuture.supplyAsync(
                () -> browser.post("/f/login-reset-cart-stash-profile"));
        rotation.reached.get(10, TimeUnit.SECONDS); // the reset's follow: the anonymous state is being copied
        // The stash of the profile follows too: it asked for the principal (seeing the session anonymous), or waits
        // for the move under way.
        ReactiveBrowserSession session = ReactiveBrowserSession.of(awaitExchange("login-reset-cart-stash-profile"));
        awaitUntil("a second follow of the logged-in exchange",
                () -> FollowPrincipalApplication.ADA_RESOLUTIONS.get() >= 2 || session.waitsForMove() >= 1);
        rotation.pass();
        Browser.Response response = login.get(20, TimeUnit.SECONDS);
        FollowPrincipalApplication.ended("/f/login-reset-cart-stash-profile").get(10, TimeUnit.SECONDS);

        String third = browser.get("/f/third").body();
        String profile = browser.get("/f/profile").body();
        String cart = browser.get("/f/cart").body();
        long rotations = logs.messages(Level.INFO).size();
        org.assertj.core.api.SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(response.status()).isEqualTo(200);
            softly.assertThat(browser.cookies.get("sid")).isNotEqualTo(anonymousSid);
            softly.assertThat(third).as("the anonymous state of a view not bound in the login exchange, after the login")
                    .isEqualTo("count=1");
            softly.assertThat(profile).as("the profile saved").isEqualTo("count=2");
            softly.assertThat(cart).as("the cart started over").isEqualTo("count=0");
        });
    }

    /**
     * end(): "the views bound in this exchange are dropped, the cookie is cleared at once, and the stored state is
     * removed". A handler logs in, then starts the cart over and ends the session together; the reset's follow (a
     * rotation, held) ends after end() ran. Expected: no sid cookie, nothing of the old state reachable. Before the fix
     * the move, ending after end(), set its new sid and cookie again, with the state it had moved.
     */
    @Test
    void endWhileTheResetFollowsALoginEndsTheSession() throws Exception {
        Browser browser = new Browser(port);
        browser.post("/f/third/bump");
        browser.post("/f/cart/bump");
        GatedStorage.Gate rotation = storage.holdNextPutNotTo(storage.lastPutKey());

        CompletableFuture<Browser.Response> ending = CompletableFuture.supplyAsync(() -> browser.post("/f/login-reset-end"));
        rotation.reached.get(10, TimeUnit.SECONDS);
        // end() is subscribed while the move is held: before the fix it ran at once (it cleared the cookie, which the
        // move, ending later, set again); it waits for the move now.
        FollowPrincipalApplication.ending.get(10, TimeUnit.SECONDS);
        rotation.pass();
        Browser.Response response = ending.get(20, TimeUnit.SECONDS);
        FollowPrincipalApplication.ended("/f/login-reset-end").get(10, TimeUnit.SECONDS);

        String cookieAfter = browser.cookies.get("sid");
        String third = browser.get("/f/third").body();
        org.assertj.core.api.SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(response.status()).isEqualTo(200);
            softly.assertThat(cookieAfter).as("the sid cookie after end()").isNull();
            softly.assertThat(third).as("the ended session's state").isEqualTo("count=0");
        });
    }

    /**
     * As the next, but the client goes away as soon as the follow's rotation reached storage (not waiting for the
     * reset to be recorded in flight): the follow then fails, and the end of the exchange logs the reset's failure.
     * Before the fix the follow started before the reset was recorded, so an end in between did not follow it (seen
     * in a fresh JVM, where that window is widest).
     */
    @Test
    void aResetWhoseFollowFailsAfterTheClientWentAwayAtOnceIsReported() throws Exception {
        clientGoesAwayWhileTheResetFollowsALoginThatFails(false);
    }

    /**
     * The client goes away while an awaited reset waits for its follow (held); the follow then fails. The reset was
     * recorded on subscription, so the end of the exchange follows it and logs its failure.
     */
    @Test
    void aResetWhoseFollowFailsAfterTheClientWentAwayIsReported() throws Exception {
        clientGoesAwayWhileTheResetFollowsALoginThatFails(true);
    }

    private void clientGoesAwayWhileTheResetFollowsALoginThatFails(boolean onceRecorded) throws Exception {
        Browser browser = new Browser(port);
        browser.post("/f/third/bump");
        browser.post("/f/cart/bump");
        GatedStorage.Gate rotation = storage.holdNextPutNotTo(storage.lastPutKey());
        Disposable request = WebClient.create("http://localhost:" + port).post().uri("/f/login-reset")
                .header("Cookie", browser.cookieHeader()).header("X-Stash-Mounts", "1").retrieve()
                .bodyToMono(String.class).subscribe(v -> { }, e -> { });
        rotation.reached.get(10, TimeUnit.SECONDS);
        ServerWebExchange exchange = awaitExchange("login-reset");
        if (onceRecorded) {
            awaitUntil("the reset is recorded in flight", () -> String.valueOf(
                    BoundViewProbe.callOnEach(exchange, "resetInFlight")).contains("=true"));
        }
        request.dispose(); // the client goes away
        FollowPrincipalApplication.ended("/f/login-reset").get(10, TimeUnit.SECONDS);
        rotation.fail();
        try {
            awaitUntil("an ERROR for the failed reset of the cart", () -> logs.messages(Level.ERROR).stream()
                    .anyMatch(m -> m.contains("Cart") && m.contains("FAILED")));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; ERRORs " + logs.messages(Level.ERROR) + "; WARNs "
                    + logs.messages(Level.WARN) + "; session " + ReactiveBrowserSession.of(exchange)
                    + "; resets not landed " + BoundViewProbe.callOnEach(exchange, "resetNotLanded"), e);
        }
        assertThat(browser.get("/f/third").body()).as("the anonymous state stays (the move failed)").isEqualTo("count=1");
        assertThat(browser.get("/f/cart").body()).as("the cart, its reset failed").isEqualTo("count=1");
    }

    // ------------------------------------------------------------------ moves of the state

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
        FollowPrincipalApplication.cancelFollow.complete(null); // the handler gives its follow up
        // the commit's stash follows the principal again (asking for it, or waiting for the move under way)
        ReactiveBrowserSession session = ReactiveBrowserSession.of(awaitExchange("login-follow-cancelled"));
        awaitUntil("the commit's follow",
                () -> FollowPrincipalApplication.ADA_RESOLUTIONS.get() >= 2 || session.waitsForMove() >= 1);
        rotation.pass();
        Browser.Response response = login.get(20, TimeUnit.SECONDS);
        FollowPrincipalApplication.ended("/m/login-follow-cancelled").get(10, TimeUnit.SECONDS);

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
        GatedStorage.Gate stash = FollowPrincipalApplication.rotateStashGate.get(10, TimeUnit.SECONDS);
        stash.reached.get(10, TimeUnit.SECONDS); // rotate() stashes the cart before it moves the state
        FollowPrincipalApplication.endNow.complete(null);
        ServerWebExchange exchange = awaitExchange("rotate-end");
        awaitUntil("end() ran (the session unresolved)",
                () -> ReactiveBrowserSession.of(exchange).toString().contains("unresolved"));
        stash.pass();
        Browser.Response response = request.get(20, TimeUnit.SECONDS);
        FollowPrincipalApplication.ended("/m/rotate-end").get(10, TimeUnit.SECONDS);

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
     * Its next request handles two views at once (zip): both resolve the sid while the first's move is held, the
     * second either deciding to move the state too or waiting for the move in flight. One move, both views under
     * the new sid.
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
        ReactiveBrowserSession session = ReactiveBrowserSession.of(awaitExchange("zip-bump"));
        awaitUntil("both resolutions asked for the principal, or the second waits for the move",
                () -> FollowPrincipalApplication.ADA_RESOLUTIONS.get() >= 2 || session.waitsForMove() >= 1);
        rotation.pass();
        Browser.Response response = both.get(20, TimeUnit.SECONDS);
        FollowPrincipalApplication.ended("/m/zip-bump").get(10, TimeUnit.SECONDS);

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

    /**
     * A handler logs in, gives its follow of the principal up while the move runs (a takeUntil of its own) and answers
     * without touching a view. The response's commit waits for the move, so its cookie names the new sid and the
     * anonymous state stays reachable. Before the fix the response was committed with the old cookie while the move
     * ran; the move then landed, its cookie refused (WARN), and the browser was left on the emptied anonymous sid.
     */
    @Test
    void aGivenUpFollowThatLandsAfterTheCommitStartedDoesNotLoseTheState() throws Exception {
        Browser browser = new Browser(port);
        browser.post("/f/third/bump");
        String anonymousSid = browser.cookies.get("sid");
        GatedStorage.Gate rotation = storage.holdNextPutNotTo(storage.lastPutKey());

        CompletableFuture<Browser.Response> login = CompletableFuture.supplyAsync(
                () -> browser.post("/r/login-follow-cancelled-noview"));
        rotation.reached.get(10, TimeUnit.SECONDS);
        FollowPrincipalApplication.cancelFollow.complete(null);
        ServerWebExchange exchange = awaitExchange("noview");
        awaitUntil("the response commits", () -> exchange.getResponse().isCommitted());
        rotation.pass();
        Browser.Response response = login.get(20, TimeUnit.SECONDS);
        FollowPrincipalApplication.ended("/r/login-follow-cancelled-noview").get(10, TimeUnit.SECONDS);

        String third = browser.get("/f/third").body();
        SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(response.status()).isEqualTo(200);
            softly.assertThat(browser.cookies.get("sid")).as("the sid cookie after the login (anonymous was %s)",
                    anonymousSid).isNotEqualTo(anonymousSid);
            softly.assertThat(third).as("the anonymous state after the login").isEqualTo("count=1");
            softly.assertThat(logs.messages(Level.WARN)).as("WARNs").isEmpty();
        });
    }

    // ------------------------------------------------------------------ helpers

    private static ServerWebExchange awaitExchange(String name) throws InterruptedException {
        awaitUntil("the exchange " + name, () -> FollowPrincipalApplication.EXCHANGES.containsKey(name));
        return FollowPrincipalApplication.EXCHANGES.get(name);
    }

}
