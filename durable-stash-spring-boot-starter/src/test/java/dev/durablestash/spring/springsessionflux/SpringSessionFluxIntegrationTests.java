package dev.durablestash.spring.springsessionflux;

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
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;

/**
 * The starter on WebFlux beside Spring Session's {@code @EnableSpringWebSession}: both cookies, the
 * login (Spring Security changes the WebSession's id, the starter rotates the sid) and the logout.
 */
@SpringBootTest(classes = SpringSessionFluxApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory" })
class SpringSessionFluxIntegrationTests {

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
    void bothCookiesAreSetSideBySideAndEachCarriesItsOwnState() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        HttpResponse<String> saved = browser.post("/note?note=one", "");
        assertThat(saved.statusCode()).isEqualTo(200);
        assertThat(saved.headers().allValues("Set-Cookie")).hasSize(2)
                .anySatisfy((c) -> assertThat(c).startsWith("SESSION="))
                .anySatisfy((c) -> assertThat(c).startsWith("sid=").containsIgnoringCase("HttpOnly")
                        .contains("SameSite=Lax"));
        assertThat(browser.get("/note").body()).isEqualTo("note=one;legacy=one;user=null");

        WebBrowser sidOnly = browser.copy();
        sidOnly.forget("SESSION");
        assertThat(sidOnly.get("/note").body()).isEqualTo("note=one;legacy=null;user=null");
        WebBrowser sessionOnly = browser.copy();
        sessionOnly.forget("sid");
        assertThat(sessionOnly.get("/note").body()).isEqualTo("note=null;legacy=one;user=null");
        assertThat(sessionOnly.sid()).isNotNull().isNotEqualTo(browser.sid());
    }

    @Test
    void theLoginChangesBothIdsAndCarriesBothStatesOver() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        browser.post("/note?note=before-login", "");
        String anonymousSid = browser.sid();
        String anonymousSession = browser.cookie("SESSION");

        HttpResponse<String> login = browser.post("/login", "username=ada&password=ada-pw");
        assertThat(login.statusCode()).isEqualTo(302);

        assertThat(browser.cookie("SESSION")).isNotNull().isNotEqualTo(anonymousSession);
        assertThat(browser.sid()).isNotNull().isNotEqualTo(anonymousSid);
        assertThat(browser.get("/note").body()).isEqualTo("note=before-login;legacy=before-login;user=ada");
        assertThat(keysWithState(storage)).hasSize(1);

        WebBrowser old = new WebBrowser(port);
        old.setCookie("SESSION=" + anonymousSession + "; Path=/");
        old.plant(anonymousSid);
        assertThat(old.get("/note").body()).isEqualTo("note=null;legacy=null;user=null");
    }

    /**
     * Spring Security WebFlux's {@code SecurityContextServerLogoutHandler} does not invalidate the
     * WebSession: it removes the security context and changes the session's id, so a WebSession
     * attribute outlives the logout (Spring Security's behaviour, not the starter's). The starter's
     * logout handler ends the browser session: the stashed note is removed, the sid cookie cleared, and
     * the old sid reads nothing.
     */
    @Test
    void theLogoutEndsTheBrowserSessionWhileTheWebSessionOnlyChangesItsId() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        assertThat(browser.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        browser.post("/note?note=ada's", "");
        String adasSid = browser.sid();
        String adasSession = browser.cookie("SESSION");
        assertThat(browser.get("/note").body()).isEqualTo("note=ada's;legacy=ada's;user=ada");

        HttpResponse<String> logout = browser.post("/logout", "");
        assertThat(logout.statusCode()).isEqualTo(302);
        assertThat(logout.headers().allValues("Set-Cookie"))
                .anySatisfy((c) -> assertThat(c).startsWith("sid=;").contains("Max-Age=0"));
        assertThat(browser.sid()).isNull();
        assertThat(browser.cookie("SESSION")).isNotNull().isNotEqualTo(adasSession);
        assertThat(keysWithState(storage)).isEmpty();

        WebBrowser old = new WebBrowser(port);
        old.setCookie("SESSION=" + adasSession + "; Path=/");
        old.plant(adasSid);
        assertThat(old.get("/note").body()).isEqualTo("note=null;legacy=null;user=null");
        assertThat(browser.get("/note").body()).as("the WebSession attribute outlives the logout")
                .isEqualTo("note=null;legacy=ada's;user=null");
    }
}
