package dev.durablestash.spring.enablewebmvc;

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
 * docs/spring.md, "Session fixation and Spring Security": with Spring Security the starter rotates the
 * sid at login and ends the browser session at logout (state removed, cookie cleared), whatever the
 * application's MVC configuration. An app with {@code @EnableWebMvc} has no request context filter of
 * Spring Boot's MVC auto-configuration before Spring Security's filter chain, so nothing may depend on
 * one: a logout that does nothing there leaves the state in storage and the cookie in the browser, and
 * a login that rotates nothing leaves the sid a planter knows until the next request.
 */
@SpringBootTest(classes = EnableWebMvcSecureApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "durable-stash.storage.type=memory")
class LoginAndLogoutWithEnableWebMvcTests {

    @LocalServerPort
    int port;

    @Autowired
    InMemoryStorageBackend storage;

    @BeforeEach
    void setUp() {
        storage.clear();
    }

    @Test
    void logoutEndsTheBrowserSessionAlsoInAnAppThatConfiguresMvcItself() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        assertThat(browser.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        browser.post("/notes", "note=ada's secret");
        assertThat(storage.keys()).hasSize(1);

        HttpResponse<String> logout = browser.post("/logout", "");

        assertThat(logout.statusCode()).isEqualTo(302);
        assertThat(logout.headers().allValues("Set-Cookie")).as("the sid cookie cleared at logout")
                .anySatisfy((c) -> assertThat(c).startsWith("sid=;"));
        assertThat(keysWithState(storage)).as("the browser session's state removed at logout").isEmpty();
    }

    @Test
    void loginRotatesTheSidAlsoInAnAppThatConfiguresMvcItself() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        browser.post("/notes", "note=before-login");
        String anonymous = browser.sid();
        assertThat(anonymous).isNotNull();

        HttpResponse<String> login = browser.post("/login", "username=ada&password=ada-pw");

        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(login.headers().allValues("Set-Cookie")).as("the login's response sets a new sid cookie")
                .anySatisfy((c) -> assertThat(c).startsWith("sid=").doesNotStartWith("sid=;")
                        .doesNotStartWith("sid=" + anonymous + ";"));
        assertThat(browser.sid()).isNotEqualTo(anonymous);
        WebBrowser planter = new WebBrowser(port);
        planter.plant(anonymous);
        assertThat(planter.get("/notes").body()).as("the anonymous sid holds nothing after the login")
                .isEqualTo("note=null");
        assertThat(browser.get("/notes").body()).as("the state moved with the sid").isEqualTo("note=before-login");
    }
}
