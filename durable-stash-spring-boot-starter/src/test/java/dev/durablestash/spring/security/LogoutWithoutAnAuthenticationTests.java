package dev.durablestash.spring.security;

import static dev.durablestash.spring.testsupport.StoredState.keysWithState;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.spring.testsupport.WebBrowser;
import dev.durablestash.testing.InMemoryStorageBackend;

/**
 * README and docs/spring.md: with Spring Security the starter ends the browser session at logout (state
 * removed, cookie cleared), also when the logout request carries no authentication. Spring Security
 * publishes its {@code LogoutSuccessEvent} only when it does, and its logout filter runs before the
 * remember-me filter: a user kept logged in by remember-me whose HTTP session has expired (the usual
 * state of a remembered user on the next day) logs out with a request that has none yet. Were her state
 * left in storage and her sid cookie in the browser, her next login on that browser would bring back the
 * state she logged out of.
 */
@SpringBootTest(classes = SecureTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "durable-stash.storage.type=memory")
class LogoutWithoutAnAuthenticationTests {

    @LocalServerPort
    int port;

    @Autowired
    InMemoryStorageBackend storage;

    @BeforeEach
    void setUp() {
        storage.clear();
    }

    @Test
    void aRememberedUserWhoseHttpSessionExpiredEndsHerBrowserSessionWhenSheLogsOut() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        assertThat(browser.post("/login", "username=ada&password=ada-pw&remember-me=on").statusCode()).isEqualTo(302);
        browser.post("/notes", "note=ada's secret");
        browser.forget("JSESSIONID"); // her HTTP session expired; remember-me still logs her in
        assertThat(browser.get("/notes").body()).as("still logged in, still her note").isEqualTo("note=ada's secret");
        browser.forget("JSESSIONID"); // and expired again before she clicks "log out"

        HttpResponse<String> logout = browser.post("/logout", "");

        assertThat(logout.statusCode()).isEqualTo(302);
        assertThat(browser.cookie("remember-me")).as("Spring Security logged her out").isNull();
        assertThat(logout.headers().allValues("Set-Cookie")).as("the sid cookie cleared at logout")
                .anySatisfy((c) -> assertThat(c).startsWith("sid=;"));
        assertThat(keysWithState(storage)).as("the browser session's state removed at logout").isEmpty();
        assertThat(browser.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        assertThat(browser.get("/notes").body()).as("her next login starts from defaults").isEqualTo("note=null");
    }

    /** Her HTTP session expired without remember-me: the logout still ends the session her cookie names. */
    @Test
    void aUserWhoseHttpSessionExpiredEndsHerBrowserSessionWhenSheLogsOut() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        assertThat(browser.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        browser.post("/notes", "note=ada's secret");
        browser.forget("JSESSIONID");

        HttpResponse<String> logout = browser.post("/logout", "");

        assertThat(logout.statusCode()).isEqualTo(302);
        assertThat(browser.sid()).as("the sid cookie cleared at logout").isNull();
        assertThat(keysWithState(storage)).as("the browser session's state removed at logout").isEmpty();
    }

    /** Logging out asks to forget this browser's session: an anonymous one too. */
    @Test
    void anAnonymousBrowserThatLogsOutEndsItsBrowserSession() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        browser.post("/notes", "note=typed anonymously");
        assertThat(storage.keys()).hasSize(1);

        HttpResponse<String> logout = browser.post("/logout", "");

        assertThat(logout.statusCode()).isEqualTo(302);
        assertThat(browser.sid()).as("the sid cookie cleared at logout").isNull();
        assertThat(keysWithState(storage)).as("the browser session's state removed at logout").isEmpty();
        assertThat(browser.get("/notes").body()).isEqualTo("note=null");
    }
}
