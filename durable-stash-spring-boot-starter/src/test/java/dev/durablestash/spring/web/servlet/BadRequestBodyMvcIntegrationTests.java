package dev.durablestash.spring.web.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.spring.web.servlet.badinput.BadInputApplication;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * A request body that is not what a stashed view's handler expects (not JSON, JSON of other types, an
 * empty body, another content type, a number that is not one or does not fit, a missing parameter):
 * Spring MVC answers 400 (415 for the content type) as it would without DurableStash, without a stack
 * trace, the handler never runs, and nothing is stashed.
 */
@SpringBootTest(classes = BadInputApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "durable-stash.storage.type=memory" })
class BadRequestBodyMvcIntegrationTests {

    /** Spring MVC's own resolver logs each bad request it answers at WARN ("Resolved [...]"). */
    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.web")
            .allow(Level.WARN, "Resolved [");

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    @Test
    void aRequestBodyThatIsNotWhatTheHandlerExpectsIsA400AndStashesNothing() {
        InMemoryStorageBackend storage = (InMemoryStorageBackend) backend;
        Browser browser = new Browser(port);
        assertThat(browser.postBody("/notes/json", "application/json", "{\"title\":\"t\",\"count\":2}").body())
                .isEqualTo("title=t;count=2");
        long puts = storage.count(Operation.PUT);

        assertRefused(browser.postBody("/notes/json", "application/json", "{not json"), 400);
        assertRefused(browser.postBody("/notes/json", "application/json", "{\"title\":[1],\"count\":\"many\"}"), 400);
        assertRefused(browser.postBody("/notes/json", "application/json", ""), 400);
        assertRefused(browser.postBody("/notes/json", "text/plain", "title=x"), 415);
        assertRefused(browser.post("/notes/add", "amount=lots"), 400);
        assertRefused(browser.post("/notes/add", "amount=99999999999999"), 400);
        assertRefused(browser.post("/notes/add", ""), 400);

        assertThat(storage.count(Operation.PUT)).as("writes after the bad requests").isEqualTo(puts);
        assertThat(browser.get("/notes", Browser.REJOIN, "1").body()).isEqualTo("title=t;count=2");
        assertThat(browser.post("/notes/add", "amount=3").body()).isEqualTo("title=t;count=5");
    }

    private static void assertRefused(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.request().uri() + ": " + response.body()).isEqualTo(status);
        assertThat(response.body()).as("the error page").doesNotContain("Exception").doesNotContain("\tat ");
    }
}
