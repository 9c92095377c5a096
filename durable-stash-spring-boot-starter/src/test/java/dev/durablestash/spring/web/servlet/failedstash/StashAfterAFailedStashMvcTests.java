package dev.durablestash.spring.web.servlet.failedstash;

import static dev.durablestash.spring.web.TurnWatch.assertQueued;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.context.annotation.Import;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.web.TurnWatch;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * Spring MVC: the request's automatic stash failed, and its error page binds an atomic view, changes it and
 * stashes it explicitly. The request handed its turns on at the failure, yet the view still waits for its turn
 * before it is recovered, and holds it while the error page stashes it (rule 15): a read-modify-write of another
 * request of the browser session is not undone. As on WebFlux.
 */
@SpringBootTest(classes = StashAfterAFailedStashMvcTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "durable-stash.storage.type=memory", "durable-stash.operation-timeout=5s" })
class StashAfterAFailedStashMvcTests {

    static volatile CountDownLatch entered = new CountDownLatch(1);
    static volatile CountDownLatch released = new CountDownLatch(1);

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @LocalServerPort
    int port;

    final HttpClient http = HttpClient.newHttpClient();
    String sid;
    TurnWatch turns;

    @BeforeEach
    void open() throws Exception {
        entered = new CountDownLatch(1);
        released = new CountDownLatch(1);
        turns = TurnWatch.attach();
        HttpResponse<String> first = http.send(request("/tally").GET().build(), HttpResponse.BodyHandlers.ofString());
        String cookie = first.headers().firstValue("Set-Cookie").orElseThrow();
        sid = cookie.substring("sid=".length(), cookie.indexOf(';'));
    }

    @AfterEach
    void close() {
        released.countDown();
        turns.close();
    }

    @Test
    void aViewTheErrorPageBindsAfterAFailedStashWaitsForItsTurn() throws Exception {
        logs.expect(Level.ERROR, "BrokenDraft");
        CompletableFuture<HttpResponse<String>> held = http.sendAsync(request("/tally/held")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(entered.await(10, TimeUnit.SECONDS)).as("the held request read the count").isTrue();

        CompletableFuture<Void> errorPageWaits = turns.nextWaitFor("ErrorPageTally");
        CompletableFuture<HttpResponse<String>> failed = http.sendAsync(request("/broken")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertQueued(errorPageWaits, failed);

        released.countDown();
        assertThat(held.get(10, TimeUnit.SECONDS).body()).isEqualTo("count=1");
        HttpResponse<String> errorPage = failed.get(10, TimeUnit.SECONDS);
        assertThat(errorPage.statusCode()).as("the failed stash's status").isEqualTo(500);
        assertThat(errorPage.body()).isEqualTo("error page count=11");
        assertThat(http.send(request("/tally").GET().build(), HttpResponse.BodyHandlers.ofString()).body())
                .as("both read-modify-writes (+1 with the turn, then +10 by the error page), none lost")
                .isEqualTo("count=11");
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("X-Stash-Mounts", "1");
        return sid == null ? builder : builder.header("Cookie", "sid=" + sid);
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration(excludeName = {
            "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration" })
    @Import({ TallyController.class, ErrorPage.class })
    static class App {
    }

    /** An atomic view (the default). */
    public static class ErrorPageTally {

        @Stashed
        int count;
    }

    /** A view whose stash fails once its value is set: it cannot be written as JSON. */
    public static class BrokenDraft {

        @Stashed
        Object value;
    }

    @Controller
    static class TallyController {

        @GetMapping("/tally")
        @ResponseBody
        String show(ErrorPageTally tally) {
            return "count=" + tally.count;
        }

        /** A read-modify-write held between the read and the write, while it holds the view's turn. */
        @PostMapping("/tally/held")
        @ResponseBody
        String held(ErrorPageTally tally) throws InterruptedException {
            int seen = tally.count;
            entered.countDown();
            if (!released.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
            tally.count = seen + 1;
            return "count=" + tally.count;
        }

        /** Its automatic stash fails: the request goes on to the error page. */
        @PostMapping("/broken")
        @ResponseBody
        String broken(BrokenDraft draft) {
            draft.value = new Object();
            return "not sent";
        }
    }

    /** The application's error page, which records the error in an atomic view and stashes it. */
    @Controller
    static class ErrorPage implements ErrorController {

        @RequestMapping("/error")
        @ResponseBody
        String error(ErrorPageTally tally, Stash stash) {
            tally.count += 10;
            stash.stashNow();
            return "error page count=" + tally.count;
        }
    }
}
