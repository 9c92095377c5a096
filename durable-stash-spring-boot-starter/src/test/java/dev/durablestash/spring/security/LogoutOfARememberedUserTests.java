package dev.durablestash.spring.security;

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
 * README and docs/spring.md: with Spring Security the starter "ends the browser session at logout"
 * (state removed, cookie cleared). It does so on Spring Security's {@code LogoutSuccessEvent}, which is
 * published only when the logout request carries an authentication. A user kept logged in by remember-me
 * whose HTTP session has expired (the usual state of a remembered user on the next day) logs out with a
 * request that has none yet: Spring Security's logout filter runs before the remember-me filter, so it
 * clears the remember-me cookie and shows the logged-out page, but publishes no event. Her state stays
 * in storage and her sid cookie in the browser; the next time she logs in on that browser, the state she
 * logged out of is back.
 */
@SpringBootTest(classes = SecureTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "durable-stash.storage.type=memory")
class LogoutOfARememberedUserTests {

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
        assertThat(storage.keys()).as("the browser session's state removed at logout").isEmpty();
    }
}
