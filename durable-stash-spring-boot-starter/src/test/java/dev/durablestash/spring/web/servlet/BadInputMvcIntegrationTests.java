package dev.durablestash.spring.web.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.util.Base64;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.durablestash.core.SessionCookieValues;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashSettings;

/**
 * Bad input over HTTP, against the running test app: cookies the server did not issue, mount counts
 * that are not a positive number, and a value too large to store ({@link BadRequestBodyMvcIntegrationTests}
 * has request bodies that are not what the handler expects). Each
 * has a defined outcome (see the README's "Reliability" section); none is a 500, and none lets one
 * browser session see another's state.
 */
class BadInputMvcIntegrationTests extends RunningMvcTestApp {

    private static final String STATE_OF_A = "count=1;username=a;draft=null";
    private static final String DEFAULTS = "count=0;username=null;draft=null";

    @Test
    void aCookieTaggedUnderAnotherSecretGetsANewEmptySessionAndLeavesThatSidsStateAlone() {
        String sid = sessionOfA();
        String foreign = new SessionCookieValues(StashSettings.builder()
                .secret("another-applications-secret-0123456789abcdef").build()).encode(sid);

        assertNewEmptySession(foreign);
        assertThat(browser.get("/counter").body()).isEqualTo(STATE_OF_A);
    }

    @Test
    void aForgedTagOnAnIssuedSidGetsANewEmptySessionAndLeavesThatSidsStateAlone() {
        String sid = sessionOfA();

        assertNewEmptySession(sid + "." + randomTag());
        assertNewEmptySession(sid); // untagged
        assertThat(browser.get("/counter").body()).isEqualTo(STATE_OF_A);
    }

    @Test
    void aWellFormedSidThatWasNeverIssuedGetsANewEmptySession() {
        sessionOfA();
        assertNewEmptySession(SessionIds.newSid() + "." + randomTag());
        assertNewEmptySession(SessionIds.newSid() + "." + randomTag() + "." + randomTag()); // the shape of a bound sid
        assertThat(browser.get("/counter", REJOIN).body()).isEqualTo(STATE_OF_A);
    }

    @ParameterizedTest
    @ValueSource(strings = { "abc", "-1", "-99999999999", "99999999999999999999", "1e3", "0x1", "1.5", "0", " " })
    void aMountCountThatIsNotAPositiveNumberMountsFreshAndClearsTheDraft(String mounts) {
        browser.post("/counter/draft", "draft=unsent", REJOIN);
        assertThat(browser.get("/counter", REJOIN).body()).as("rejoin").endsWith("draft=unsent");

        HttpResponse<String> header = browser.get("/counter", Browser.REJOIN, mounts);
        assertThat(header.statusCode()).isEqualTo(200);
        assertThat(header.body()).as("X-Stash-Mounts: " + mounts).endsWith("draft=null");

        browser.post("/counter/draft", "draft=unsent", REJOIN);
        HttpResponse<String> parameter = browser.post("/counter/increment-body", "_mounts="
                + java.net.URLEncoder.encode(mounts, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(parameter.statusCode()).isEqualTo(200);
        assertThat(browser.get("/counter", REJOIN).body()).as("_mounts=" + mounts).endsWith("draft=null");
    }

    @Test
    void anOversizedValueIsRefusedNamingTheKeyAndTheStoredStateIsKept() {
        logs.expect(Level.ERROR, "Cannot stash key 'username' of view 'CounterController'");
        sessionOfA();

        HttpResponse<String> oversized = browser.post("/counter/username", "username=" + "x".repeat(2_000), REJOIN);
        assertThat(oversized.statusCode()).isEqualTo(500);
        assertThat(oversized.body()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(logs.messages(Level.ERROR)).anySatisfy(message -> assertThat(message)
                .contains("more than the limit of 1024 bytes (max-value-size)"));
        assertThat(logs.events(Level.ERROR)).as("input a visitor controls logs one line, no stack trace")
                .allSatisfy(event -> assertThat(event.getThrowableProxy()).isNull());
        assertThat(browser.get("/counter", REJOIN).body()).isEqualTo(STATE_OF_A);
    }

    /** Gives {@link #browser} a session with count 1 and username "a"; @return its sid */
    private String sessionOfA() {
        browser.post("/counter/increment", "");
        browser.post("/counter/username", "username=a", REJOIN);
        assertThat(browser.get("/counter", REJOIN).body()).isEqualTo(STATE_OF_A);
        String cookie = browser.sidCookie();
        assertThat(cookie).isNotNull();
        return cookie.substring(0, cookie.indexOf('.'));
    }

    private void assertNewEmptySession(String cookie) {
        Browser other = new Browser(port);
        other.setSidCookie(cookie);
        HttpResponse<String> page = other.get("/counter", REJOIN);
        assertThat(page.statusCode()).as(cookie).isEqualTo(200);
        assertThat(page.body()).as(cookie).isEqualTo(DEFAULTS);
        assertThat(other.sidCookie()).as("a new cookie instead of " + cookie).isNotEqualTo(cookie)
                .matches(StashedViewsMvcIntegrationTests.TAGGED_SID);
        // A change in the new session stays there.
        other.post("/counter/increment", "", REJOIN);
        assertThat(other.get("/counter", REJOIN).body()).startsWith("count=1;username=null");
    }

    private static String randomTag() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
