package dev.durablestash.spring.principalbinding;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.spring.testsupport.WebBrowser;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * Attacks on the binding of the browser session to its principal (sid.owner.tag), against a running
 * server, without a cookie max-age (the default).
 */
@SpringBootTest(classes = BindingTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "durable-stash.storage.type=memory")
class PrincipalBindingMvcIntegrationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.apache.catalina.core");

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    @BeforeEach
    void setUp() {
        ((InMemoryStorageBackend) backend).clear();
        ((InMemoryStorageBackend) backend).clearFaults();
    }

    /**
     * A storage outage during the first authenticated (HTTP Basic) request with an anonymous sid: the
     * implicit rotation cannot move the state. The request fails (503) rather than answer with a new,
     * empty session behind a 200; the cookie stays, and once storage is back the next request moves the
     * state.
     */
    @Test
    void aStorageOutageDuringTheImplicitRotationLosesNothing() throws Exception {
        logs.expect(Level.WARN, "recover failed, the view keeps its defaults");
        logs.expect(Level.WARN, "rotate of the browser session failed");
        WebBrowser browser = new WebBrowser(port);
        browser.post("/notes", "note=typed before login");
        String anonymous = browser.sid();
        InMemoryStorageBackend storage = (InMemoryStorageBackend) backend;
        for (InMemoryStorageBackend.Operation operation : InMemoryStorageBackend.Operation.values()) {
            storage.setFailureRate(operation, 1.0);
        }
        try {
            assertThat(browser.get("/notes").statusCode()).as("the anonymous page during the outage").isEqualTo(200);
            browser.basic("ada", "ada-pw");
            assertThat(browser.get("/notes").statusCode()).as("the same page for ada (HTTP Basic)").isEqualTo(503);
            assertThat(browser.sid()).as("the cookie, unchanged").isEqualTo(anonymous);
        } finally {
            storage.clearFaults();
        }
        assertThat(browser.get("/notes").body()).isEqualTo("note=typed before login");
        assertThat(browser.sid()).isNotEqualTo(anonymous);
    }

    /**
     * The docs say a programmatic login rotates the sid. A stashed view's handler logs the victim in
     * itself (SecurityContextHolder + HttpSessionSecurityContextRepository) and stores something for
     * her: the view was mounted (sid resolved, anonymous) before the login, so nothing rotates in that
     * request and what the authenticated victim stored lands under the planted sid.
     */
    @Test
    void aProgrammaticLoginInAStashedViewDoesNotStoreTheVictimsStateUnderThePlantedSid() throws Exception {
        WebBrowser attacker = new WebBrowser(port);
        attacker.get("/notes");
        String planted = attacker.sid();
        WebBrowser victim = new WebBrowser(port);
        victim.plant(planted);

        assertThat(victim.post("/notes/sign-in", "user=ada&note=ada's secret").body()).isEqualTo("saved");

        assertThat(attacker.get("/notes").body()).as("what the attacker reads with the planted sid")
                .isEqualTo("note=null");
    }

    /** Control for the test above: the victim's next request does rotate, and she keeps her note. */
    @Test
    void afterAProgrammaticLoginTheNextRequestRotatesAndKeepsTheState() throws Exception {
        WebBrowser victim = new WebBrowser(port);
        victim.get("/notes");
        String anonymous = victim.sid();

        victim.post("/notes/sign-in", "user=ada&note=ada's note");
        assertThat(victim.get("/notes").body()).isEqualTo("note=ada's note");
        assertThat(victim.sid()).isNotEqualTo(anonymous);
    }

    /**
     * The docs: rotate() does not carry over "a session bound to another principal". A stashed view's
     * handler switches the account (ada signs in as bob) and rotates, as the docs' account-switcher
     * example does: the view had resolved the sid as ada's before the switch, so rotate() skips the
     * owner check and moves ada's state to a sid bound to bob.
     */
    @Test
    void switchingTheAccountInAStashedViewDoesNotHandTheStateToTheOtherUser() throws Exception {
        WebBrowser shared = new WebBrowser(port);
        assertThat(shared.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        shared.post("/notes", "note=ada's secret");

        assertThat(shared.post("/notes/switch-account", "user=bob").body()).isEqualTo("switched");

        assertThat(shared.get("/notes").body()).as("what bob sees").isEqualTo("note=null");
    }

    /**
     * Remember-me re-login after the HTTP session expired, with two requests in flight (a page and an
     * htmx fragment, two tabs restored): each is a remember-me login, each rotates the same sid, which
     * was already bound to ada. The state moves to one of them; when the other response arrives last,
     * ada's browser holds an empty session: she lost her state although nobody else was involved.
     */
    @Test
    void aRememberedUserWithTwoRequestsInFlightKeepsHerState() throws Exception {
        WebBrowser ada = new WebBrowser(port);
        assertThat(ada.post("/login", "username=ada&password=ada-pw&remember-me=on").statusCode()).isEqualTo(302);
        ada.post("/notes", "note=ada's note");
        ada.forget("JSESSIONID");
        WebBrowser secondRequest = ada.copy(); // sent with the same cookies, its answer arrives last

        assertThat(ada.get("/notes").body()).isEqualTo("note=ada's note");
        secondRequest.get("/notes");
        ada.takeCookiesOf(secondRequest);

        assertThat(ada.get("/notes").body()).as("what ada sees after both answers arrived")
                .isEqualTo("note=ada's note");
    }

    /**
     * Cookie tossing after login: a sibling subdomain adds the attacker's own anonymous sid cookie (here
     * with a longer path, so both are sent). The docs say neither is adopted; but the cookie bound to
     * ada cannot have been forged by the attacker, so the binding could safely prefer it. As it is, the
     * logged-in user gets a new empty session on every request while the tossed cookie stays.
     */
    @Test
    void aTossedAnonymousCookieDoesNotWipeTheLoggedInUsersState() throws Exception {
        WebBrowser attacker = new WebBrowser(port);
        attacker.get("/notes");
        String tossed = attacker.sid();
        WebBrowser ada = new WebBrowser(port);
        assertThat(ada.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        ada.post("/notes", "note=ada's note");

        ada.setCookie("sid=" + tossed + "; Path=/notes");

        assertThat(ada.get("/notes").body()).as("what ada sees with the tossed cookie").isEqualTo("note=ada's note");
    }

    /** Passing check: the tossed cookie's owner (the attacker) reads nothing of ada's either way. */
    @Test
    void aTossedCookieGivesTheAttackerNothing() throws Exception {
        WebBrowser attacker = new WebBrowser(port);
        attacker.get("/notes");
        String tossed = attacker.sid();
        WebBrowser ada = new WebBrowser(port);
        assertThat(ada.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        ada.setCookie("sid=" + tossed + "; Path=/notes");
        ada.post("/notes", "note=ada's secret");

        assertThat(attacker.get("/notes").body()).isEqualTo("note=null");
    }

    /**
     * Switch-user: the admin impersonates bob and exits. The browser session stays the admin's through
     * the switch and the exit (the principal of a switched authentication is the one who switched), so
     * his state is not replaced while impersonating and is his after the exit.
     */
    @Test
    void anAdminWhoImpersonatesSomeoneKeepsHisBrowserSessionThroughTheSwitchAndTheExit() throws Exception {
        WebBrowser admin = new WebBrowser(port);
        assertThat(admin.post("/login", "username=admin&password=admin-pw").statusCode()).isEqualTo(302);
        admin.post("/notes", "note=admin's note");

        assertThat(admin.post("/impersonate", "username=bob").statusCode()).isEqualTo(302);
        assertThat(admin.get("/notes").body()).as("what the admin sees as bob").isEqualTo("note=admin's note");
        assertThat(admin.post("/impersonate/exit", "").statusCode()).isEqualTo(302);

        assertThat(admin.get("/notes").body()).as("what the admin sees after the exit").isEqualTo("note=admin's note");
    }

    /** Passing check: HTTP Basic with a planted sid and a deferred result saved on another thread. */
    @Test
    void aPlantedSidGivesNothingToTheAttackerWhenTheVictimStashesAsynchronously() throws Exception {
        WebBrowser attacker = new WebBrowser(port);
        attacker.post("/notes", "note=planted");
        String planted = attacker.sid();
        WebBrowser victim = new WebBrowser(port);
        victim.plant(planted);
        victim.basic("ada", "ada-pw");

        assertThat(victim.post("/notes/async", "note=ada's secret").body()).isEqualTo("saved");

        assertThat(attacker.get("/notes").body()).isEqualTo("note=null");
        assertThat(victim.get("/notes").body()).isEqualTo("note=ada's secret");
        assertThat(victim.sid()).isNotEqualTo(planted);
    }

    /**
     * Error dispatch: the first HTTP Basic request with an anonymous cookie rotates it (the state
     * moves) in a request whose handler then fails. The new cookie must survive the error page, or the
     * browser keeps the emptied anonymous sid.
     */
    @Test
    void aFailingFirstAuthenticatedRequestKeepsTheState() throws Exception {
        logs.expect(Level.ERROR, "Servlet.service() for servlet [dispatcherServlet]");
        WebBrowser browser = new WebBrowser(port);
        browser.post("/notes", "note=typed before login");
        browser.basic("ada", "ada-pw");

        assertThat(browser.get("/notes/fail").statusCode()).isEqualTo(500);

        assertThat(browser.get("/notes").body()).isEqualTo("note=typed before login");
    }

    /** Passing check: HTTP Basic as bob with ada's bound cookie (shared browser, no logout). */
    @Test
    void httpBasicAsAnotherUserDoesNotGetTheBoundState() throws Exception {
        WebBrowser shared = new WebBrowser(port);
        assertThat(shared.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        shared.post("/notes", "note=ada's secret");
        shared.forget("JSESSIONID");
        shared.basic("bob", "bob-pw");

        assertThat(shared.get("/notes").body()).isEqualTo("note=null");
    }
}
