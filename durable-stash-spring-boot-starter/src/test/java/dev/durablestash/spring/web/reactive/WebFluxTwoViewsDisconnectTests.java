package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.web.reactive.function.client.WebClient;

import reactor.core.Disposable;

import dev.durablestash.spring.web.reactive.twoviews.TwoViewsTestApplication;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * A WebFlux exchange that changed two views and ends (the client went away) while the commit's stash of
 * the first view is in flight: the second view's stash never starts. Its changes were made before the
 * commit, so no ERROR may say they were made after it, nor name the first view, whose stash lands.
 */
@SpringBootTest(classes = TwoViewsTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=3s" })
class WebFluxTwoViewsDisconnectTests extends FluxAppTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash").allow(Level.ERROR, "are NOT stashed")
            .allow(Level.WARN, "differs each time it is written");

    @Test
    void twoViewsStashTogetherWhenTheClientWaits() {
        browser.get("/two");
        assertThat(browser.client.post().uri("/two/add").header("Cookie", "sid=" + browser.sid())
                .header("X-Stash-Mounts", "1").exchange().expectBody(String.class).returnResult().getResponseBody())
                .isEqualTo("count=1;items=[x1]");
        assertThat(browser.get("/two", REJOIN).getResponseBody()).isEqualTo("count=1;items=[x1]");
        assertThat(logs.messages(Level.ERROR)).isEmpty();
    }

    @Test
    void aValueWhoseJsonDiffersOnEveryWriteIsStoredWithNoFalseNotStashedError() throws Exception {
        // As a new user would see it: each complete 200 logged "NOT stashed: ... the client went away".
        for (int i = 0; i < 3; i++) {
            assertThat(browser.get("/tick").getResponseBody()).isEqualTo("tick 0");
        }
        Thread.sleep(500); // the exchanges' ends are looked at after the responses
        assertThat(logs.messages(Level.ERROR)).isEmpty();
        assertThat(logs.messages(Level.WARN)).as("what such a value costs, said once per exchange").hasSize(3)
                .allSatisfy(m -> assertThat(m).contains("[ticker] of view 'TickState'", "differs each time"));
        assertThat(storage.count(Operation.PUT)).as("stored on each exchange, as a changed value").isGreaterThanOrEqualTo(3);
    }

    @Test
    void aChangeAfterTheCommitToAValueWhoseJsonDiffersOnEveryWriteIsNotLostSilently() throws Exception {
        // As an attacker would use it: with such a value left out of the end's report, this lost change logged nothing.
        browser.get("/two");
        assertThat(stream("/late/tick")).isNotEmpty();
        Thread.sleep(500);
        assertThat(logs.messages(Level.WARN)).anySatisfy(m -> assertThat(m)
                .contains("[ticker] of view 'TickState' in /late/tick", "after the response was committed"));
        assertThat(browser.get("/tick", REJOIN).getResponseBody()).as("the late change, not stored").isEqualTo("tick 0");
    }

    @Test
    void aChangeAfterTheCommitToAStableKeyBesideSuchAValueIsAnError() throws Exception {
        browser.get("/two");
        assertThat(stream("/late/count")).isNotEmpty();
        Thread.sleep(500);
        assertThat(logs.messages(Level.ERROR)).anySatisfy(m -> assertThat(m)
                .contains("[TickCount]", "made after the response was committed"));
    }

    @Test
    void aResetInFlightWhenAStreamOfSuchAValueEndsLogsNoFalseError() throws Exception {
        browser.get("/two");
        browser.get("/tick", REJOIN);
        storage.setLatency(Operation.PUT, Duration.ofMillis(800));
        storage.setLatency(Operation.DELETE, Duration.ofMillis(800));
        assertThat(stream("/late/reset")).isNotEmpty();
        Thread.sleep(2500); // the reset lands
        storage.clearFaults();
        assertThat(logs.messages(Level.ERROR)).isEmpty();
    }

    private String stream(String path) {
        return browser.client.get().uri(path).header("Cookie", "sid=" + browser.sid()).header("X-Stash-Mounts", "1")
                .exchange().expectBody(String.class).returnResult().getResponseBody();
    }

    @Test
    void aClientGoingAwayDuringTheFirstOfTwoStashesLogsNoFalseMadeAfterTheCommitError() throws Exception {
        browser.get("/two");
        storage.setLatency(Operation.PUT, Duration.ofMillis(1200));
        WebClient client = WebClient.create("http://localhost:" + port);
        // the client goes away while the first view's stash is in flight
        sendAndGoAwayDuringAPut(client.post().uri("/two/add").header("Cookie", "sid=" + browser.sid())
                .header("X-Stash-Mounts", "1"));
        Thread.sleep(2000); // the first view's PUT completes
        storage.clearFaults();
        assertThat(browser.get("/two", REJOIN).getResponseBody()).as("the first view's change was stashed")
                .startsWith("count=1;");
        assertThat(logs.messages(Level.ERROR)).as("errors logged")
                .noneSatisfy(m -> assertThat(m).contains("made after the response was committed"))
                .noneSatisfy(m -> assertThat(m).contains("[TwoViewsController"));
    }

    @Test
    void aStreamsOwnStashThatFailsAfterTheClientWentAwayIsLoggedAsItsOwn() throws Exception {
        browser.get("/two");
        WebClient client = WebClient.create("http://localhost:" + port);
        java.util.concurrent.CountDownLatch first = new java.util.concurrent.CountDownLatch(1);
        Disposable stream = client.get().uri("/two/stream").header("Cookie", "sid=" + browser.sid())
                .header("X-Stash-Mounts", "1").retrieve().bodyToFlux(String.class)
                .subscribe(event -> first.countDown());
        assertThat(first.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("first event").isTrue();
        long puts = storage.count(Operation.PUT);
        storage.setLatency(Operation.PUT, Duration.ofMillis(1500));
        storage.failNext(Operation.PUT, 100); // the next stash of the stream fails, after the latency
        assertThat(storage.count(Operation.PUT)).as("no stash of the stream started meanwhile (1 s)").isEqualTo(puts);
        awaitAPutAfter(puts); // the handler's stash of the next element is in flight
        stream.dispose(); // the client goes away
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (logs.messages(Level.ERROR).stream().noneMatch(m -> m.contains("failed after the exchange had ended"))
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        storage.clearFaults();
        assertThat(browser.get("/two", REJOIN).getResponseBody()).as("the failed stash wrote nothing")
                .startsWith("count=1;");
        assertThat(logs.messages(Level.ERROR)).as("errors logged")
                .hasSize(1) // logged once
                .anySatisfy(m -> assertThat(m).contains("failed after the exchange had ended"))
                .noneSatisfy(m -> assertThat(m).contains("started when the response was committed"));
    }
}
