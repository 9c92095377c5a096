package dev.durablestash.spring.web.reactive.fluxbinding;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;

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
        Browser attacker = new Browser();
        attacker.get("/notes");
        Browser victim = new Browser();
        victim.cookies.put("sid", attacker.cookies.get("sid")); // planted from a sibling subdomain
        victim.basic("ada", "ada-pw");

        assertThat(victim.post("/notes?note=ada-secret").body()).isEqualTo("saved");

        assertThat(attacker.get("/notes").body()).as("the attacker's sid").isEqualTo("note=null");
        assertThat(victim.cookies.get("sid")).as("the victim's sid was rotated").isNotEqualTo(attacker.cookies.get("sid"));
        assertThat(victim.get("/notes").body()).as("the victim keeps her state").isEqualTo("note=ada-secret");
    }

    @Test
    void onASharedBrowserTheNextUserGetsNothingOfTheStateOfAUserWhoseSessionIsGone() {
        Browser ada = new Browser();
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
        Browser ada = new Browser();
        ada.login("ada", "ada-pw");
        ada.post("/notes?note=ada-secret");
        Browser inFlight = ada.copy();
        CompletableFuture<Response> slow = CompletableFuture.supplyAsync(
                () -> inFlight.exchange(HttpMethod.POST, "/notes/slow?note=ada-later", null));
        FluxBindingTestApplication.slowEntered.get(30, TimeUnit.SECONDS);

        Response logout = ada.post("/logout");
        assertThat(ada.cookies).as("the logout cleared the sid cookie").doesNotContainKey("sid");
        FluxBindingTestApplication.slowRelease.complete(null);
        Response late = slow.get(30, TimeUnit.SECONDS);
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
        Browser attacker = new Browser();
        attacker.post("/notes?note=attacker");
        Browser ada = new Browser();
        ada.basic("ada", "ada-pw");
        ada.post("/notes?note=ada-secret");
        ada.tossed = "sid=" + attacker.cookies.get("sid"); // set for the parent domain by a sibling subdomain

        assertThat(ada.get("/notes").body()).isEqualTo("note=ada-secret");
        assertThat(ada.post("/notes?note=ada-changed").body()).isEqualTo("saved");
        assertThat(attacker.get("/notes").body()).as("the attacker").isEqualTo("note=attacker");
        ada.tossed = null;
        assertThat(ada.get("/notes").body()).isEqualTo("note=ada-changed");
    }

    @Test
    void aStorageFailureDuringTheImplicitRotationAnswersNormallyWithANewSession() {
        Browser browser = new Browser();
        browser.post("/notes?note=typed before login");
        String anonymousSid = browser.cookies.get("sid");
        ((InMemoryStorageBackend) backend).setFailureRate(InMemoryStorageBackend.Operation.PUT, 1.0);
        browser.basic("ada", "ada-pw");

        Response first = browser.get("/notes");

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("note=null");
        assertThat(browser.cookies.get("sid")).as("a new session").isNotEqualTo(anonymousSid);
        ((InMemoryStorageBackend) backend).clearFaults();
        assertThat(browser.get("/notes").body()).isEqualTo("note=null");
    }

    @Test
    void aProgrammaticLoginThatFollowsThePrincipalDoesNotStoreTheVictimsStateUnderThePlantedSid() {
        Browser attacker = new Browser();
        attacker.post("/notes?note=attacker");
        Browser victim = new Browser();
        victim.cookies.put("sid", attacker.cookies.get("sid"));

        assertThat(victim.post("/notes/login-as-ada?note=ada-secret").body()).isEqualTo("saved");

        assertThat(attacker.get("/notes").body()).as("the attacker's sid").isEqualTo("note=null");
        assertThat(victim.get("/notes").body()).as("the victim, logged in").isEqualTo("note=ada-secret");
    }

    @Test
    void aLoginKeepsASessionAlreadyBoundToTheSameUser() {
        Browser ada = new Browser();
        ada.login("ada", "ada-pw");
        ada.post("/notes?note=ada-secret");
        String bound = ada.cookies.get("sid");

        ada.login("ada", "ada-pw");

        assertThat(ada.cookies.get("sid")).as("the sid cookie").isEqualTo(bound);
        assertThat(ada.get("/notes").body()).isEqualTo("note=ada-secret");
    }

    record Response(int status, @Nullable String body, List<ResponseCookie> cookies) {
    }

    /** A browser: a cookie jar, optional HTTP Basic credentials and an optional tossed cookie. */
    final class Browser {

        final Map<String, String> cookies = new LinkedHashMap<>();
        @Nullable String authorization;
        @Nullable String tossed;

        Browser copy() {
            Browser copy = new Browser();
            copy.cookies.putAll(cookies);
            copy.authorization = authorization;
            return copy;
        }

        void basic(String user, String password) {
            authorization = "Basic " + Base64.getEncoder().encodeToString(
                    (user + ":" + password).getBytes(StandardCharsets.UTF_8));
        }

        void login(String user, String password) {
            Response login = exchange(HttpMethod.POST, "/login", "username=" + user + "&password=" + password);
            assertThat(login.status()).as("the login of " + user).isEqualTo(302);
            take(login);
        }

        Response get(String path) {
            return take(exchange(HttpMethod.GET, path, null));
        }

        Response post(String path) {
            return take(exchange(HttpMethod.POST, path, null));
        }

        Response exchange(HttpMethod method, String path, @Nullable String form) {
            WebTestClient client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                    .responseTimeout(Duration.ofSeconds(30)).build();
            WebTestClient.RequestBodySpec request = client.method(method).uri(path).headers(headers -> {
                List<String> pairs = new ArrayList<>();
                cookies.forEach((name, value) -> pairs.add(name + "=" + value));
                if (tossed != null) {
                    pairs.add(tossed);
                }
                if (!pairs.isEmpty()) {
                    headers.add("Cookie", String.join("; ", pairs));
                }
                if (authorization != null) {
                    headers.add("Authorization", authorization);
                }
            });
            WebTestClient.RequestHeadersSpec<?> ready = form == null ? request
                    : request.contentType(MediaType.APPLICATION_FORM_URLENCODED).bodyValue(form);
            EntityExchangeResult<String> result = ready.exchange().expectBody(String.class).returnResult();
            List<ResponseCookie> set = new ArrayList<>();
            result.getResponseCookies().values().forEach(set::addAll);
            return new Response(result.getStatus().value(), result.getResponseBody(), set);
        }

        Response take(Response response) {
            for (ResponseCookie cookie : response.cookies()) {
                if (cookie.getValue().isEmpty() || Duration.ZERO.equals(cookie.getMaxAge())) {
                    cookies.remove(cookie.getName());
                } else {
                    cookies.put(cookie.getName(), cookie.getValue());
                }
            }
            return response;
        }
    }
}
