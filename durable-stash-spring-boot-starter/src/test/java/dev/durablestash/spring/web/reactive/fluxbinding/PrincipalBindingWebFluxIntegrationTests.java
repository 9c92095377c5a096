package dev.durablestash.spring.web.reactive.fluxbinding;

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
import org.springframework.http.HttpMethod;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The browser session is bound to its principal on WebFlux too, with Spring Security WebFlux (HTTP
 * Basic and form login) against a running app: a planted sid, a shared browser, a request in flight
 * during the logout, cookie tossing and a storage failure during the implicit rotation.
 */
@SpringBootTest(classes = FluxBindingTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.cookie.max-age=PT1H" })
class PrincipalBindingWebFluxIntegrationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    @BeforeEach
    void setUp() {
        ((InMemoryStorageBackend) backend).clear();
        ((InMemoryStorageBackend) backend).clearFaults();
        FluxBindingTestApplication.slowEntered = new CompletableFuture<>();
        FluxBindingTestApplication.slowRelease = new CompletableFuture<>();
    }

    @AfterEach
    void tearDown() {
        ((InMemoryStorageBackend) backend).clearFaults();
        FluxBindingTestApplication.slowRelease.complete(null);
    }

    @Test
    void aPlantedAnonymousSidGivesTheAttackerNothingOnceTheVictimAuthenticatesWithHttpBasic() {
        Browser attacker = new Browser(port);
        attacker.get("/notes");
        Browser victim = new Browser(port);
        victim.cookies.put("sid", attacker.cookies.get("sid")); // planted from a sibling subdomain
        victim.basic("ada", "ada-pw");

        assertThat(victim.post("/notes?note=ada-secret").body()).isEqualTo("saved");

        assertThat(attacker.get("/notes").body()).as("the attacker's sid").isEqualTo("note=null");
        assertThat(victim.cookies.get("sid")).as("the victim's sid was rotated").isNotEqualTo(attacker.cookies.get("sid"));
        assertThat(victim.get("/notes").body()).as("the victim keeps her state").isEqualTo("note=ada-secret");
    }

    @Test
    void onASharedBrowserTheNextUserGetsNothingOfTheStateOfAUserWhoseSessionIsGone() {
        Browser ada = new Browser(port);
        ada.login("ada", "ada-pw");
        ada.post("/notes?note=ada-secret");
        ada.cookies.remove("SESSION"); // her session expired without a logout
        Browser anonymous = ada.copy();
        Browser bob = ada.copy();

        assertThat(anonymous.get("/notes").body()).as("an anonymous visitor").isEqualTo("note=null");
        bob.login("bob", "bob-pw");
        assertThat(bob.get("/notes").body()).as("bob").isEqualTo("note=null");
        assertThat(anonymous.get("/notes").body()).as("the anonymous visitor again").isEqualTo("note=null");

        ada.login("ada", "ada-pw");
        assertThat(ada.get("/notes").body()).as("ada, logged in again").isEqualTo("note=ada-secret");
    }

    @Test
    void aRequestInFlightDuringTheLogoutDoesNotHandTheStateToTheNextUser() throws Exception {
        Browser ada = new Browser(port);
        ada.login("ada", "ada-pw");
        ada.post("/notes?note=ada-secret");
        Browser inFlight = ada.copy();
        CompletableFuture<Browser.Response> slow = CompletableFuture.supplyAsync(
                () -> inFlight.exchange(HttpMethod.POST, "/notes/slow?note=ada-later", null));
        FluxBindingTestApplication.slowEntered.get(30, TimeUnit.SECONDS);

        Browser.Response logout = ada.post("/logout");
        assertThat(ada.cookies).as("the logout cleared the sid cookie").doesNotContainKey("sid");
        FluxBindingTestApplication.slowRelease.complete(null);
        Browser.Response late = slow.get(30, TimeUnit.SECONDS);
        assertThat(logout.status()).isEqualTo(302);
        ada.take(late); // the late answer arrives after the logout's, and sets the old cookie again (max-age)
        ada.cookies.remove("SESSION");

        Browser bob = ada.copy();
        assertThat(ada.get("/notes").body()).as("the next, anonymous user").isEqualTo("note=null");
        bob.login("bob", "bob-pw");
        assertThat(bob.get("/notes").body()).as("bob").isEqualTo("note=null");
    }

    @Test
    void aLoggedInUsersBoundCookieWinsOverATossedAnonymousOne() {
        Browser attacker = new Browser(port);
        attacker.post("/notes?note=attacker");
        Browser ada = new Browser(port);
        ada.basic("ada", "ada-pw");
        ada.post("/notes?note=ada-secret");
        ada.tossed = "sid=" + attacker.cookies.get("sid"); // set for the parent domain by a sibling subdomain

        assertThat(ada.get("/notes").body()).isEqualTo("note=ada-secret");
        assertThat(ada.post("/notes?note=ada-changed").body()).isEqualTo("saved");
        assertThat(attacker.get("/notes").body()).as("the attacker").isEqualTo("note=attacker");
        ada.tossed = null;
        assertThat(ada.get("/notes").body()).isEqualTo("note=ada-changed");
    }

    /**
     * A storage failure during the implicit rotation of the first authenticated exchange: the exchange
     * fails (503) rather than answer with a new, empty session behind a 200; the cookie stays, and once
     * storage is back the next exchange moves the state (as on MVC).
     */
    @Test
    void aStorageFailureDuringTheImplicitRotationLosesNothing() {
        logs.expect(Level.WARN, "rotate of the browser session failed");
        Browser browser = new Browser(port);
        browser.post("/notes?note=typed before login");
        String anonymousSid = browser.cookies.get("sid");
        ((InMemoryStorageBackend) backend).setFailureRate(InMemoryStorageBackend.Operation.PUT, 1.0);
        browser.basic("ada", "ada-pw");

        Browser.Response first = browser.get("/notes");

        assertThat(first.status()).isEqualTo(503);
        assertThat(browser.cookies.get("sid")).as("the cookie, unchanged").isEqualTo(anonymousSid);
        ((InMemoryStorageBackend) backend).clearFaults();
        assertThat(browser.get("/notes").body()).isEqualTo("note=typed before login");
        assertThat(browser.cookies.get("sid")).isNotEqualTo(anonymousSid);
    }

    @Test
    void aProgrammaticLoginThatFollowsThePrincipalDoesNotStoreTheVictimsStateUnderThePlantedSid() {
        Browser attacker = new Browser(port);
        attacker.post("/notes?note=attacker");
        Browser victim = new Browser(port);
        victim.cookies.put("sid", attacker.cookies.get("sid"));

        assertThat(victim.post("/notes/login-as-ada?note=ada-secret").body()).isEqualTo("saved");

        assertThat(attacker.get("/notes").body()).as("the attacker's sid").isEqualTo("note=null");
        assertThat(victim.get("/notes").body()).as("the victim, logged in").isEqualTo("note=ada-secret");
    }

    @Test
    void aProgrammaticLoginInAHandlerMovesTheStateToTheRotatedPrincipalBoundSidWithoutAnExplicitCall() {
        Browser browser = new Browser(port);
        browser.post("/notes?note=typed before login");
        String anonymousSid = browser.cookies.get("sid");

        assertThat(browser.post("/notes/login-as-ada-implicitly?note=typed at login").body()).isEqualTo("saved");

        assertThat(browser.cookies.get("sid")).as("rotated").isNotEqualTo(anonymousSid);
        Browser planted = new Browser(port);
        planted.cookies.put("sid", anonymousSid);
        assertThat(planted.get("/notes").body()).as("the anonymous sid keeps nothing").isEqualTo("note=null");
        assertThat(browser.get("/notes").body()).as("ada, logged in").isEqualTo("note=typed at login");
    }

    @Test
    void aLoginKeepsASessionAlreadyBoundToTheSameUser() {
        Browser ada = new Browser(port);
        ada.login("ada", "ada-pw");
        ada.post("/notes?note=ada-secret");
        String bound = ada.cookies.get("sid");

        ada.login("ada", "ada-pw");

        assertThat(ada.cookies.get("sid")).as("the sid cookie").isEqualTo(bound);
        assertThat(ada.get("/notes").body()).isEqualTo("note=ada-secret");
    }
}
