package dev.durablestash.spring.security;

import static dev.durablestash.spring.testsupport.StoredState.keysWithState;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

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
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * Contract rule 11 with Spring Security's form login: the sid is rotated at login (the state stays,
 * a planted sid is shut out) and the browser session ended at logout (the next user of the same
 * browser sees defaults).
 */
@SpringBootTest(classes = SecureTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "durable-stash.storage.type=memory")
class SecurityMvcIntegrationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    private InMemoryStorageBackend storage;

    @BeforeEach
    void setUp() {
        storage = (InMemoryStorageBackend) backend;
        storage.clear();
    }

    @Test
    void loginRotatesTheSidAndKeepsTheState() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        browser.post("/notes", "note=before-login");
        String anonymous = browser.sid();
        assertThat(anonymous).isNotNull();

        HttpResponse<String> login = browser.post("/login", "username=ada&password=ada-pw");
        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(login.headers().firstValue("Location")).hasValueSatisfying((l) -> assertThat(l).endsWith("/notes"));

        assertThat(browser.sid()).isNotNull().isNotEqualTo(anonymous);
        assertThat(browser.get("/notes").body()).isEqualTo("note=before-login");
        assertThat(keysWithState(storage)).hasSize(1);
        WebBrowser oldSid = new WebBrowser(port);
        oldSid.plant(anonymous);
        assertThat(oldSid.get("/notes").body()).isEqualTo("note=null");
    }

    /** The attacker plants a cookie the server issued to them, then waits for the victim to log in. */
    @Test
    void aPlantedSidGivesTheAttackerNothingOnceTheVictimLogsIn() throws Exception {
        WebBrowser attacker = new WebBrowser(port);
        attacker.get("/notes");
        String planted = attacker.sid();
        WebBrowser victim = new WebBrowser(port);
        victim.plant(planted);
        victim.post("/notes", "note=typed-before-login");
        assertThat(victim.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        victim.post("/notes", "note=ada's secret");

        assertThat(victim.sid()).isNotEqualTo(planted);
        assertThat(attacker.get("/notes").body()).isEqualTo("note=null");
        assertThat(victim.get("/notes").body()).isEqualTo("note=ada's secret");
    }

    /**
     * Cookie tossing: a sibling subdomain sets a second sid cookie the server can neither overwrite nor
     * clear. The attacker's cookie is never adopted: the victim's own cookie is bound to her, which
     * only a response to her can have set, so she keeps her state, and the attacker reads nothing.
     */
    @Test
    void aTossedSecondSidCookieIsNeverAdopted() throws Exception {
        WebBrowser attacker = new WebBrowser(port);
        attacker.get("/notes");
        String tossed = attacker.sid();
        WebBrowser victim = new WebBrowser(port);
        assertThat(victim.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        victim.post("/notes", "note=ada's first");
        victim.toss(tossed);
        victim.post("/notes", "note=ada's second");

        assertThat(attacker.get("/notes").body()).isEqualTo("note=null");
        assertThat(victim.get("/notes").body()).isEqualTo("note=ada's second");
    }

    /**
     * Should the state not move at the login (its write fails), the browser gets a new, empty session:
     * it never goes on with a sid that someone who planted it knows.
     */
    @Test
    void aLoginWhoseStateCannotMoveStartsANewEmptySessionThatThePlantedSidCannotRead() throws Exception {
        logs.expect(Level.WARN, "Could not move the browser session's state to a new sid at login");
        WebBrowser attacker = new WebBrowser(port);
        attacker.get("/notes");
        String planted = attacker.sid();
        WebBrowser victim = new WebBrowser(port);
        victim.plant(planted);
        victim.post("/notes", "note=typed-before-login");
        storage.failNext(Operation.PUT, 1); // the write that moves the state to the new sid
        assertThat(victim.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);

        assertThat(victim.sid()).isNotNull().isNotEqualTo(planted);
        assertThat(victim.get("/notes").body()).as("a new, empty session").isEqualTo("note=null");
        victim.post("/notes", "note=ada's secret");
        assertThat(victim.get("/notes").body()).isEqualTo("note=ada's secret");
        assertThat(attacker.get("/notes").body()).isEqualTo("note=typed-before-login");
    }

    @Test
    void logoutEndsTheBrowserSessionAndTheNextLoginFromTheSameBrowserSeesDefaults() throws Exception {
        WebBrowser shared = new WebBrowser(port);
        assertThat(shared.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        shared.post("/notes", "note=ada's secret");
        String adas = shared.sid();

        HttpResponse<String> logout = shared.post("/logout", "");
        assertThat(logout.statusCode()).isEqualTo(302);
        assertThat(logout.headers().allValues("Set-Cookie")).anySatisfy((c) -> assertThat(c).startsWith("sid=;"));
        assertThat(shared.sid()).isNull();
        assertThat(keysWithState(storage)).isEmpty();

        assertThat(shared.post("/login", "username=bob&password=bob-pw").statusCode()).isEqualTo(302);
        assertThat(shared.get("/notes").body()).isEqualTo("note=null");
        WebBrowser oldSid = new WebBrowser(port);
        oldSid.plant(adas);
        assertThat(oldSid.get("/notes").body()).isEqualTo("note=null");
    }

    @Test
    void aFailedLoginLeavesTheSidAlone() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        browser.post("/notes", "note=kept");
        String before = browser.sid();
        assertThat(browser.post("/login", "username=ada&password=wrong").statusCode()).isEqualTo(302);
        assertThat(browser.sid()).isEqualTo(before);
        assertThat(browser.get("/notes").body()).isEqualTo("note=kept");
    }
}
