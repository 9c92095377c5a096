package dev.durablestash.spring.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.spring.testsupport.WebBrowser;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;

/**
 * Attacks on the session-fixation protection with Spring Security: logins that are not
 * "interactive" (HTTP Basic), and a request of the logged-in user that is still running when the
 * user logs out (cookie with a max-age, so every request writes it again).
 */
@SpringBootTest(classes = SecureTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "durable-stash.storage.type=memory", "durable-stash.cookie.max-age=PT1H" })
class SecurityAttackMvcIntegrationTests {

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    private InMemoryStorageBackend storage;

    @BeforeEach
    void setUp() {
        storage = (InMemoryStorageBackend) backend;
        storage.clear();
        SecureTestApplication.SLOW_ENTERED = new CountDownLatch(1);
        SecureTestApplication.SLOW_RELEASE = new CountDownLatch(1);
    }

    /**
     * The attacker plants a sid the server issued to them; the victim then uses the app with HTTP
     * Basic (stateless: no InteractiveAuthenticationSuccessEvent is published, so no rotation). What
     * the authenticated victim stores lands under the planted sid, which the attacker reads.
     */
    @Test
    void aPlantedSidGivesTheAttackerNothingOnceTheVictimAuthenticatesWithHttpBasic() throws Exception {
        WebBrowser attacker = new WebBrowser(port);
        attacker.get("/notes");
        String planted = attacker.sid();
        WebBrowser victim = new WebBrowser(port);
        victim.plant(planted);
        victim.basic("ada", "ada-pw");
        assertThat(victim.post("/notes", "note=ada's secret").body()).isEqualTo("saved");

        assertThat(attacker.get("/notes").body()).as("what the attacker reads with the planted sid")
                .isEqualTo("note=null");
    }

    /**
     * A request of the logged-in user still runs while the user logs out. It wrote the sid cookie (a
     * max-age cookie is written on every request) and stashes after the end: its response, arriving
     * after the logout's, gives the browser the old sid back, and the state is stored again under it.
     * The next user of the same browser logs in and the rotation hands them the previous user's state.
     */
    @Test
    void aRequestRunningDuringLogoutDoesNotHandThePreviousUsersStateToTheNextUser() throws Exception {
        WebBrowser shared = new WebBrowser(port);
        assertThat(shared.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        shared.post("/notes", "note=ada's secret");

        CompletableFuture<HttpResponse<String>> slow = shared.postAsync("/notes/slow", "note=ada's late secret");
        assertThat(SecureTestApplication.SLOW_ENTERED.await(10, TimeUnit.SECONDS)).isTrue();
        HttpResponse<String> logout = shared.post("/logout", "");
        assertThat(logout.statusCode()).isEqualTo(302);
        SecureTestApplication.SLOW_RELEASE.countDown();
        assertThat(slow.get(10, TimeUnit.SECONDS).body()).isEqualTo("saved");
        Thread.sleep(200); // let a stash after the response settle

        assertThat(shared.post("/login", "username=bob&password=bob-pw").statusCode()).isEqualTo(302);
        assertThat(shared.get("/notes").body()).as("what bob sees after ada logged out").isEqualTo("note=null");
    }

    /**
     * The attacker plants a sid the server issued to them. The victim has a request in flight (it
     * wrote the planted sid's cookie: max-age set) while logging in; its response, arriving after the
     * login's, puts the planted sid back in the browser, and what the logged-in victim stores after
     * that lands under the planted sid, which the attacker reads.
     */
    @Test
    void aRequestInFlightDuringLoginDoesNotPutThePlantedSidBack() throws Exception {
        WebBrowser attacker = new WebBrowser(port);
        attacker.get("/notes");
        String planted = attacker.sid();
        WebBrowser victim = new WebBrowser(port);
        victim.plant(planted);

        CompletableFuture<HttpResponse<String>> slow = victim.postAsync("/notes/slow", "note=typed before login");
        assertThat(SecureTestApplication.SLOW_ENTERED.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(victim.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        SecureTestApplication.SLOW_RELEASE.countDown();
        assertThat(slow.get(10, TimeUnit.SECONDS).body()).isEqualTo("saved");
        victim.post("/notes", "note=ada's secret");

        assertThat(attacker.get("/notes").body()).as("what the attacker reads with the planted sid")
                .isEqualTo("note=null");
    }

    /**
     * The victim comes back with a remember-me cookie (no HTTP session): remember-me authentication is
     * a login too, and must rotate the sid the attacker planted.
     */
    @Test
    void aPlantedSidGivesTheAttackerNothingOnceTheVictimIsRemembered() throws Exception {
        WebBrowser earlier = new WebBrowser(port);
        assertThat(earlier.post("/login", "username=ada&password=ada-pw&remember-me=on").statusCode()).isEqualTo(302);
        String rememberMe = earlier.cookie("remember-me");
        assertThat(rememberMe).isNotNull();

        WebBrowser attacker = new WebBrowser(port);
        attacker.get("/notes");
        String planted = attacker.sid();
        WebBrowser victim = new WebBrowser(port);
        victim.plant(planted);
        victim.setCookie("remember-me=" + rememberMe + "; Path=/");
        assertThat(victim.post("/notes", "note=ada's secret").body()).isEqualTo("saved");
        assertThat(victim.cookie("JSESSIONID")).as("remember-me logged the victim in").isNotNull();

        assertThat(attacker.get("/notes").body()).as("what the attacker reads with the planted sid")
                .isEqualTo("note=null");
    }

    /**
     * Shared computer, no logout: ada's HTTP session expires (here: its cookie is gone, as after the
     * server's session timeout), the sid cookie stays. Bob logs in on the same browser; the login
     * rotation carries ada's state over to him as if it were his anonymous state.
     */
    @Test
    void theNextUserDoesNotGetThePreviousUsersStateWhenHerHttpSessionExpiredWithoutLogout() throws Exception {
        WebBrowser shared = new WebBrowser(port);
        assertThat(shared.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        shared.post("/notes", "note=ada's secret");
        forgetHttpSession(shared);

        assertThat(shared.post("/login", "username=bob&password=bob-pw").statusCode()).isEqualTo(302);
        assertThat(shared.get("/notes").body()).as("what bob sees").isEqualTo("note=null");
    }

    /**
     * The other side of binding the state to its principal: when ada's HTTP session expired without a
     * logout and she logs in again on the same browser, her state is still hers.
     */
    @Test
    void aUserWhoseHttpSessionExpiredGetsHerStateBackWhenSheLogsInAgain() throws Exception {
        WebBrowser shared = new WebBrowser(port);
        assertThat(shared.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        shared.post("/notes", "note=ada's secret");
        forgetHttpSession(shared);

        assertThat(shared.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        assertThat(shared.get("/notes").body()).isEqualTo("note=ada's secret");
    }

    /** Shared computer, no logout, ada's HTTP session expired: an anonymous visitor does not see her state. */
    @Test
    void anAnonymousVisitorDoesNotSeeTheStateOfTheUserWhoseHttpSessionExpired() throws Exception {
        WebBrowser shared = new WebBrowser(port);
        assertThat(shared.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        shared.post("/notes", "note=ada's secret");
        forgetHttpSession(shared);

        assertThat(shared.get("/notes").body()).as("what the anonymous visitor sees").isEqualTo("note=null");
    }

    /** As after the server's session timeout: the HTTP session's cookie is gone, the sid cookie stays. */
    private static void forgetHttpSession(WebBrowser browser) {
        browser.forget("JSESSIONID");
        assertThat(browser.cookie("JSESSIONID")).isNull();
        assertThat(browser.sid()).isNotNull();
    }
}
