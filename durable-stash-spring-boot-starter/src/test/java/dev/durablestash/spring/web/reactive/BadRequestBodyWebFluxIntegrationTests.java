package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.durablestash.spring.web.reactive.testapp.FluxTestApplication;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * The WebFlux side of {@code BadRequestBodyMvcIntegrationTests}: a request a stashed view's handler cannot
 * bind is answered by Spring WebFlux as without DurableStash (400, 415 for another content type), without a
 * stack trace; the handler does not run and nothing is stashed.
 */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory" })
class BadRequestBodyWebFluxIntegrationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    @Test
    void aRequestBodyThatIsNotWhatTheHandlerExpectsIsA400AndStashesNothing() {
        InMemoryStorageBackend storage = (InMemoryStorageBackend) backend;
        FluxClient browser = new FluxClient(port);
        assertThat(browser.postBody("/notes/json", "application/json", "{\"title\":\"t\",\"count\":2}").getResponseBody())
                .isEqualTo("title=t;count=2");
        long puts = storage.count(Operation.PUT);

        assertRefused(browser.postBody("/notes/json", "application/json", "{not json"), 400);
        assertRefused(browser.postBody("/notes/json", "application/json", "{\"title\":[1],\"count\":\"many\"}"), 400);
        assertRefused(browser.postBody("/notes/json", "application/json", ""), 400);
        assertRefused(browser.postBody("/notes/json", "text/plain", "title=x"), 415);
        assertRefused(browser.post("/notes/add?amount=lots", ""), 400);
        assertRefused(browser.post("/notes/add?amount=99999999999999", ""), 400);
        assertRefused(browser.post("/notes/add", ""), 400);

        assertThat(storage.count(Operation.PUT)).as("writes after the bad requests").isEqualTo(puts);
        assertThat(browser.get("/notes", "X-Stash-Mounts", "1").getResponseBody()).isEqualTo("title=t;count=2");
        assertThat(browser.post("/notes/add?amount=3", "").getResponseBody()).isEqualTo("title=t;count=5");
    }

    private static void assertRefused(EntityExchangeResult<String> result, int status) {
        assertThat(result.getStatus().value()).as(result.getUrl() + ": " + result.getResponseBody()).isEqualTo(status);
        assertThat(String.valueOf(result.getResponseBody())).as("the error page").doesNotContain("\tat ");
    }
}
