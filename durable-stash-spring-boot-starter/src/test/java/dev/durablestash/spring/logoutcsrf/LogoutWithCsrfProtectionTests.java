package dev.durablestash.spring.logoutcsrf;

import static dev.durablestash.spring.testsupport.StoredState.keysWithState;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.spring.testsupport.WebBrowser;
import dev.durablestash.testing.InMemoryStorageBackend;

/**
 * docs/spring.md, "Session fixation and Spring Security": what ends the browser session is a request
 * that Spring Security's logout filter takes as a logout (its logout URL, here {@code /sign-out}),
 * whether or not it carries an authentication; Spring Security's CSRF filter runs before it, so with CSRF
 * protection on, only a page of the app (which has the token) can log the browser out, and a logout
 * another site forges ends nothing.
 */
@SpringBootTest(classes = CsrfLogoutApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "durable-stash.storage.type=memory")
class LogoutWithCsrfProtectionTests {

    @LocalServerPort
    int port;

    @Autowired
    InMemoryStorageBackend storage;

    private WebBrowser browser;
    private String token;

    @BeforeEach
    void setUp() throws Exception {
        storage.clear();
        browser = new WebBrowser(port);
        token = URLEncoder.encode(browser.get("/token").body(), StandardCharsets.UTF_8);
        assertThat(browser.post("/notes", "note=kept&_csrf=" + token).body()).isEqualTo("saved");
        assertThat(storage.keys()).hasSize(1);
    }

    @Test
    void aLogoutWithTheCsrfTokenEndsTheBrowserSessionAlsoOfAnAnonymousBrowser() throws Exception {
        HttpResponse<String> logout = browser.post("/sign-out", "_csrf=" + token);

        assertThat(logout.statusCode()).isEqualTo(302);
        assertThat(browser.sid()).as("the sid cookie cleared at logout").isNull();
        assertThat(keysWithState(storage)).as("the browser session's state removed at logout").isEmpty();
    }

    @Test
    void aLogoutOfALoggedInUserWithTheCsrfTokenEndsHerBrowserSession() throws Exception {
        assertThat(browser.post("/login", "username=ada&password=ada-pw&_csrf=" + token).statusCode()).isEqualTo(302);
        String fresh = URLEncoder.encode(browser.get("/token").body(), StandardCharsets.UTF_8);

        HttpResponse<String> logout = browser.post("/sign-out", "_csrf=" + fresh);

        assertThat(logout.statusCode()).isEqualTo(302);
        assertThat(browser.sid()).as("the sid cookie cleared at logout").isNull();
        assertThat(keysWithState(storage)).as("the browser session's state removed at logout").isEmpty();
    }

    @Test
    void aLogoutWithoutTheCsrfTokenEndsNothing() throws Exception {
        String sid = browser.sid();

        HttpResponse<String> forged = browser.post("/sign-out", "");

        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.headers().allValues("Set-Cookie")).noneSatisfy((c) -> assertThat(c).startsWith("sid="));
        assertThat(browser.sid()).isEqualTo(sid);
        assertThat(browser.get("/notes").body()).isEqualTo("note=kept");
    }

    @Test
    void aRequestTheLogoutFilterDoesNotTakeAsALogoutEndsNothing() throws Exception {
        String sid = browser.sid();

        HttpResponse<String> notALogout = browser.post("/logout", "_csrf=" + token);

        assertThat(notALogout.statusCode()).isNotEqualTo(302);
        assertThat(notALogout.headers().allValues("Set-Cookie")).noneSatisfy((c) -> assertThat(c).startsWith("sid="));
        assertThat(browser.sid()).isEqualTo(sid);
        assertThat(browser.get("/notes").body()).isEqualTo("note=kept");
    }
}
