package dev.durablestash.spring.web.servlet;

import static dev.durablestash.spring.testsupport.StoredState.keysWithState;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.core.SessionIds;
import dev.durablestash.spring.web.servlet.testapp.MvcTestApplication;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;

/**
 * Contract rule 11 over HTTP: a sid the server did not issue is never adopted; {@link BrowserSession#rotate()}
 * moves the state to a new sid; {@link BrowserSession#end()} removes it and clears the cookie.
 */
@SpringBootTest(classes = MvcTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "durable-stash.storage.type=memory")
class SessionFixationMvcIntegrationTests {

    private static final String DEFAULTS = "count=0;username=null;draft=null";

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

    /** The attacker plants a sid of their choosing (sibling subdomain, plain-HTTP hop) and reads it later. */
    @Test
    void aPlantedSidOfTheAttackersChoosingIsNeverAdopted() {
        String planted = SessionIds.newSid();
        Browser victim = new Browser(port);
        victim.setSidCookie(planted);
        assertThat(victim.post("/counter/username", "username=victim").body()).isEqualTo("victim");
        assertThat(victim.sidCookie()).as("the victim got a sid of the server's").doesNotStartWith(planted)
                .matches(StashedViewsMvcIntegrationTests.TAGGED_SID);

        Browser attacker = new Browser(port);
        attacker.setSidCookie(planted);
        assertThat(attacker.get("/counter").body()).isEqualTo(DEFAULTS);
        assertThat(victim.get("/counter").body()).isEqualTo("count=0;username=victim;draft=null");
    }

    /** The attacker plants a cookie the server issued to them: the login's rotation shuts them out. */
    @Test
    void aPlantedIssuedCookieStopsWorkingWhenTheVictimsSidIsRotated() {
        Browser attacker = new Browser(port);
        attacker.get("/counter");
        String planted = attacker.sidCookie();
        Browser victim = new Browser(port);
        victim.setSidCookie(planted);
        victim.post("/counter/increment", "");
        assertThat(victim.post("/plain/rotate", "").body()).isEqualTo("rotated");
        assertThat(victim.sidCookie()).isNotEqualTo(planted).matches(StashedViewsMvcIntegrationTests.TAGGED_SID);
        victim.post("/counter/username", "username=victim");

        assertThat(attacker.get("/counter").body()).isEqualTo(DEFAULTS);
        assertThat(victim.get("/counter").body()).isEqualTo("count=1;username=victim;draft=null");
    }

    @Test
    void rotateKeepsTheStateUnderTheNewSidAndRemovesTheOldKey() {
        Browser browser = new Browser(port);
        browser.post("/counter/increment", "");
        browser.post("/counter/username", "username=ada");
        String before = browser.sidCookie();
        assertThat(storage.keys()).hasSize(1);
        String oldKey = storage.keys().iterator().next();

        HttpResponse<String> rotated = browser.post("/plain/rotate", "");
        assertThat(Browser.sidSetCookie(rotated)).contains("HttpOnly");
        assertThat(browser.sidCookie()).isNotEqualTo(before);

        assertThat(keysWithState(storage)).hasSize(1).doesNotContain(oldKey);
        assertThat(browser.get("/counter").body()).isEqualTo("count=1;username=ada;draft=null");
        Browser oldCookie = new Browser(port);
        oldCookie.setSidCookie(before);
        assertThat(oldCookie.get("/counter").body()).isEqualTo(DEFAULTS);
    }

    @Test
    void aRotationInsideAViewsHandlerCarriesTheChangesBeforeAndAfterIt() {
        Browser browser = new Browser(port);
        browser.post("/counter/username", "username=ada");
        String before = browser.sidCookie();
        assertThat(browser.post("/counter/increment-rotate-increment", "").body())
                .isEqualTo("count=2;username=ada;draft=null");
        assertThat(browser.sidCookie()).isNotEqualTo(before);
        assertThat(browser.get("/counter").body()).isEqualTo("count=2;username=ada;draft=null");
        assertThat(keysWithState(storage)).hasSize(1);
    }

    @Test
    void rotatingWithoutASessionIssuesNothing() {
        Browser browser = new Browser(port);
        HttpResponse<String> response = browser.post("/plain/rotate", "");
        assertThat(response.body()).isEqualTo("rotated");
        assertThat(Browser.sidSetCookie(response)).isNull();
        assertThat(storage.keys()).isEmpty();
    }

    @Test
    void endRemovesTheStateAndClearsTheCookie() {
        Browser browser = new Browser(port);
        browser.post("/counter/increment", "");
        String before = browser.sidCookie();

        HttpResponse<String> ended = browser.post("/plain/end", "");
        assertThat(ended.body()).isEqualTo("ended");
        assertThat(Browser.sidSetCookie(ended)).startsWith("sid=;").containsIgnoringCase("Max-Age=0");
        assertThat(keysWithState(storage)).isEmpty();

        assertThat(browser.get("/counter").body()).isEqualTo(DEFAULTS);
        assertThat(browser.sidCookie()).isNotEqualTo(before).matches(StashedViewsMvcIntegrationTests.TAGGED_SID);
        Browser oldCookie = new Browser(port);
        oldCookie.setSidCookie(before);
        assertThat(oldCookie.get("/counter").body()).isEqualTo(DEFAULTS);
    }

    @Test
    void endInsideAViewsHandlerDropsItsChanges() {
        Browser browser = new Browser(port);
        browser.post("/counter/increment", "");
        assertThat(browser.post("/counter/end", "").body()).isEqualTo("ended");
        assertThat(keysWithState(storage)).isEmpty();
        assertThat(browser.get("/counter").body()).isEqualTo(DEFAULTS);
    }
}
