package dev.durablestash.spring.web.reactive.secure;

import java.time.Duration;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/** With Spring Security WebFlux, the login rotates the sid (the state moves) and the logout ends the browser session. */
@SpringBootTest(classes = SecureFluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory" })
class SecurityWebFluxIntegrationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    @Test
    void theLoginRotatesTheSidAndTheLogoutEndsTheBrowserSession() {
        WebTestClient client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(30)).build();
        EntityExchangeResult<String> incremented = client.post().uri("/counter/increment-body").exchange()
                .expectBody(String.class).returnResult();
        assertThat(incremented.getResponseBody()).isEqualTo("1");
        String planted = sid(incremented);

        EntityExchangeResult<Void> login = client.post().uri("/login").cookie("sid", planted)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED).bodyValue("username=ada&password=secret")
                .exchange().expectStatus().is3xxRedirection().expectBody().isEmpty();
        String rotated = sid(login);
        assertThat(rotated).isNotEqualTo(planted);
        String session = login.getResponseCookies().getFirst("SESSION") != null
                ? login.getResponseCookies().getFirst("SESSION").getValue() : null;

        assertThat(get(client, "/counter", rotated, session)).as("the state moved").startsWith("count=1;");
        assertThat(get(client, "/counter", planted, null)).as("the old sid reads nothing").startsWith("count=0;");

        EntityExchangeResult<Void> logout = client.post().uri("/logout").cookie("sid", rotated)
                .exchange().expectStatus().is3xxRedirection().expectBody().isEmpty();
        ResponseCookie cleared = logout.getResponseCookies().getFirst("sid");
        assertThat(cleared).isNotNull();
        assertThat(cleared.getMaxAge()).isEqualTo(Duration.ZERO);
        assertThat(get(client, "/counter", rotated, null)).as("the state was removed").startsWith("count=0;");
    }

    /**
     * Should the state not move at the login (its write fails), the browser gets a new, empty session:
     * it never goes on with a sid that someone who planted it knows.
     */
    @Test
    void aLoginWhoseStateCannotMoveStartsANewEmptySessionThatThePlantedSidCannotRead() {
        logs.expect(Level.WARN,
                "Could not move the browser session's state at login; the browser starts a new, empty session");
        WebTestClient client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(30)).build();
        String planted = sid(client.post().uri("/counter/increment-body").exchange().expectBody(String.class)
                .returnResult());

        InMemoryStorageBackend storage = (InMemoryStorageBackend) backend;
        storage.failNext(Operation.PUT, 1); // the write that moves the state to the new sid
        EntityExchangeResult<Void> login;
        try {
            login = client.post().uri("/login").cookie("sid", planted)
                    .contentType(MediaType.APPLICATION_FORM_URLENCODED).bodyValue("username=ada&password=secret")
                    .exchange().expectStatus().is3xxRedirection().expectBody().isEmpty();
        } finally {
            storage.clearFaults();
        }
        String fresh = sid(login);
        assertThat(fresh).isNotEqualTo(planted);
        String session = login.getResponseCookies().getFirst("SESSION") != null
                ? login.getResponseCookies().getFirst("SESSION").getValue() : null;
        assertThat(get(client, "/counter", fresh, session)).as("a new, empty session").startsWith("count=0;");
        WebTestClient.RequestBodySpec increment = client.post().uri("/counter/increment-body").cookie("sid", fresh);
        if (session != null) {
            increment = increment.cookie("SESSION", session);
        }
        assertThat(increment.exchange().expectBody(String.class).returnResult().getResponseBody()).isEqualTo("1");
        assertThat(get(client, "/counter", planted, null)).as("the planted sid kept its own state only")
                .startsWith("count=1;");
    }

    /**
     * A logout ends the session its sid cookie names, but not one bound to another principal than the
     * one the exchange is authenticated as: bob, logged in, who sends ada's sid cookie (one he saw or
     * copied; the binding keeps him from reading her state) with his logout leaves her state in place.
     */
    @Test
    void aLogoutOfBobWithAdasSidCookieLeavesAdasStateInPlace() {
        WebTestClient client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(30)).build();
        EntityExchangeResult<Void> adasLogin = client.post().uri("/login")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED).bodyValue("username=ada&password=secret")
                .exchange().expectStatus().is3xxRedirection().expectBody().isEmpty();
        String adasSession = adasLogin.getResponseCookies().getFirst("SESSION").getValue();
        EntityExchangeResult<String> incremented = client.post().uri("/counter/increment-body")
                .cookie("SESSION", adasSession).exchange().expectBody(String.class).returnResult();
        assertThat(incremented.getResponseBody()).isEqualTo("1");
        String adasSid = sid(incremented);
        assertThat(get(client, "/counter", adasSid, adasSession)).startsWith("count=1;");

        EntityExchangeResult<Void> bobsLogin = client.post().uri("/login")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED).bodyValue("username=bob&password=bob-secret")
                .exchange().expectStatus().is3xxRedirection().expectBody().isEmpty();
        String bobsSession = bobsLogin.getResponseCookies().getFirst("SESSION").getValue();
        assertThat(get(client, "/counter", adasSid, bobsSession)).as("the binding keeps ada's state from bob")
                .startsWith("count=0;");

        EntityExchangeResult<Void> logout = client.post().uri("/logout").cookie("sid", adasSid)
                .cookie("SESSION", bobsSession).exchange().expectStatus().is3xxRedirection().expectBody().isEmpty();

        assertThat(logout.getResponseCookies().getFirst("sid")).as("bob's browser forgets the cookie").isNotNull();
        assertThat(logout.getResponseCookies().getFirst("sid").getMaxAge()).isEqualTo(Duration.ZERO);
        assertThat(get(client, "/counter", adasSid, adasSession)).as("ada's state after bob's logout with her cookie")
                .startsWith("count=1;");
    }

    private static String get(WebTestClient client, String path, String sid, String session) {
        WebTestClient.RequestHeadersSpec<?> request = client.get().uri(path).cookie("sid", sid);
        if (session != null) {
            request = request.cookie("SESSION", session);
        }
        return request.exchange().expectBody(String.class).returnResult().getResponseBody();
    }

    private static String sid(EntityExchangeResult<?> result) {
        ResponseCookie cookie = result.getResponseCookies().getFirst("sid");
        assertThat(cookie).as("a sid cookie").isNotNull();
        return cookie.getValue();
    }
}
