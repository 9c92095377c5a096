package dev.durablestash.spring.web.reactive.viewturns;

import java.time.Duration;

import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * One browser session on the running {@link ViewTurnsApplication}: a client, and the sid its first GET was
 * given, for the requests of a test; the application's gate closed again for each test.
 */
abstract class ViewTurnsSession {

    @LocalServerPort
    int port;

    WebTestClient client;
    String sid;

    /** @param firstPath a GET that binds a view, so the answer issues the sid */
    void startSession(String firstPath) {
        client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(30))
                .build();
        ResponseCookie cookie = client.get().uri(firstPath).exchange().expectStatus().isOk()
                .returnResult(String.class).getResponseCookies().getFirst("sid");
        sid = cookie.getValue();
        ViewTurnsApplication.closeGate();
    }
}
