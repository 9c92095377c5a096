package dev.durablestash.spring.web.reactive.viewturns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.http.HttpMethod;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.web.reactive.function.client.WebClient;

import dev.durablestash.testsupport.ExpectedLogs;

import reactor.core.Disposable;

/**
 * A functional route behind a {@code before} filter that rebuilds the request
 * ({@code ServerRequest.from(request).header(..).build()}, as Spring's reference guide shows): its exchange's
 * attributes are a copy, so the views it binds are registered where neither SidWebFilter (end of exchange),
 * ReactiveStashExceptionHandler (failed handler) nor the handler adapter (stream) look.
 */
@SpringBootTest(classes = ViewTurnsApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=2s" })
class FilteredRouteTests extends ViewTurnsSession {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @BeforeEach
    void open() {
        startSession("/r/show");
    }

    private EntityExchangeResult<String> send(String method, String path) {
        return client.method(HttpMethod.valueOf(method)).uri(path)
                .header("Cookie", "sid=" + sid).header("X-Stash-Mounts", "1").exchange().expectBody(String.class)
                .returnResult();
    }

    private void goAwayWhileHeld(String path) throws Exception {
        Disposable away = WebClient.create("http://localhost:" + port).post().uri(path).header("Cookie", "sid=" + sid)
                .header("X-Stash-Mounts", "1").retrieve().bodyToMono(String.class).subscribe(b -> { }, e -> { });
        ViewTurnsApplication.entered.get(10, TimeUnit.SECONDS); // the handler holds the turn
        away.dispose(); // the client goes away; the handler never answers
        Thread.sleep(300);
    }

    @Test
    void controlWithoutTheFilterAClientGoingAwayHandsTheTurnOn() throws Exception {
        goAwayWhileHeld("/p/held");
        EntityExchangeResult<String> next = send("GET", "/r/show");
        assertThat(next.getStatus().value()).isEqualTo(200);
    }

    @Test
    void aClientGoingAwayFromAFilteredRouteHandsTheTurnOn() throws Exception {
        goAwayWhileHeld("/f/held");
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 3; i++) { // each waits up to the operation timeout (2 s) for the turn
            statuses.add(send("GET", "/f/show").getStatus().value());
        }
        assertThat(statuses).as("the next requests of the browser session get the view's turn (the exchange that "
                + "held it ended when its client went away)").containsOnly(200);
    }

    @Test
    void controlWithoutTheFilterAFailedRouteStashesNothing() {
        assertThat(send("POST", "/p/add-and-fail").getStatus().value()).isEqualTo(409);
        assertThat(send("GET", "/r/show").getResponseBody()).isEqualTo("count=0");
    }

    @Test
    void aFilteredRouteThatFailsStashesNothing() {
        assertThat(send("POST", "/f/add-and-fail").getStatus().value()).isEqualTo(409);
        assertThat(send("GET", "/f/show").getResponseBody()).as("a handler that fails stashes nothing (StashedRoutes)")
                .isEqualTo("count=0");
    }

    @Test
    void aFilteredRoutesOpenStreamHoldsNoTurnWhileItWaitsForItsFirstEvent() throws Exception {
        Disposable stream = WebClient.create("http://localhost:" + port).get().uri("/f/events")
                .header("Cookie", "sid=" + sid).header("X-Stash-Mounts", "1").retrieve().bodyToFlux(String.class)
                .subscribe(b -> { }, e -> { });
        try {
            ViewTurnsApplication.entered.get(10, TimeUnit.SECONDS); // the stream waits for its first event
            EntityExchangeResult<String> other = send("GET", "/f/show");
            assertThat(other.getStatus().value()).as("another request of the session while the stream is open: "
                    + other.getResponseBody()).isEqualTo(200);
            assertThat(other.getResponseBody()).as("the stream's change, stashed as it started").isEqualTo("count=1");
        } finally {
            ViewTurnsApplication.released.complete(null);
            stream.dispose();
        }
    }

    private String showWith(String cookieSid) {
        return client.get().uri("/r/show").header("Cookie", "sid=" + cookieSid).header("X-Stash-Mounts", "1").exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    }

    private String rotatedSid(String path) {
        EntityExchangeResult<String> rotated = send("POST", path);
        assertThat(rotated.getStatus().value()).isEqualTo(200);
        String fresh = rotated.getResponseCookies().getFirst("sid").getValue();
        assertThat(fresh).isNotEqualTo(sid);
        return fresh;
    }

    @Test
    void controlWithoutTheFilterARotationKeepsTheExchangesChange() {
        assertThat(showWith(rotatedSid("/p/rotate"))).isEqualTo("count=1");
    }

    @Test
    void aFilteredRouteThatRotatesTheSidKeepsItsChange() {
        String fresh = rotatedSid("/f/rotate");
        assertThat(showWith(fresh)).as("the change made before rotate(), under the new sid").isEqualTo("count=1");
        assertThat(showWith(sid)).as("nothing written back under the sid left").isEqualTo("count=0");
    }

    @Test
    void controlWithoutTheFilterAnEndedSessionIsNotWrittenBack() {
        assertThat(send("POST", "/p/end").getStatus().value()).isEqualTo(200);
        assertThat(showWith(sid)).isEqualTo("count=0");
    }

    @Test
    void aFilteredRouteThatEndsTheSessionDoesNotWriteItBack() {
        assertThat(send("POST", "/f/end").getStatus().value()).isEqualTo(200);
        assertThat(showWith(sid)).as("the ended session's sid holds nothing (its views were dropped at the end)")
                .isEqualTo("count=0");
    }
}
