package dev.durablestash.spring.web.reactive;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.durablestash.spring.web.reactive.testapp.FluxTestApplication;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On WebFlux as on Spring MVC, a HEAD request (a link checker, a monitor, {@code curl -I}) is no fresh
 * mount of the page's views: it neither clears the RECONNECT keys of the browser session whose cookie it
 * carries nor starts a browser session (no sid cookie, nothing stored), and its status and headers are
 * GET's.
 */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.max-value-size=1KB" })
class HeadRequestWebFluxIntegrationTests extends FluxAppTestSupport {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aHeadRequestLeavesTheDraftOfTheBrowserSessionAlone() throws Exception {
        EntityExchangeResult<String> first = browser.get("/counter");
        browser.post("/counter/draft", "draft=unsent reply", REJOIN);
        long puts = storage.count(Operation.PUT);

        HttpResponse<Void> head = head("/counter", sid(first));

        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().allValues("Set-Cookie")).as("Set-Cookie of a HEAD request").isEmpty();
        assertThat(storage.count(Operation.PUT)).as("PUTs of a HEAD request").isEqualTo(puts);
        assertThat(browser.get("/counter", REJOIN).getResponseBody()).as("the page rejoined after a HEAD of it")
                .isEqualTo("count=0;draft=unsent reply");
    }

    @Test
    void aHeadRequestWithoutACookieStartsNoBrowserSession() throws Exception {
        int stored = storage.size();

        HttpResponse<Void> head = head("/counter", null);

        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().allValues("Set-Cookie")).as("Set-Cookie of a HEAD request").isEmpty();
        assertThat(storage.size()).as("documents stored").isEqualTo(stored);
    }

    @Test
    void aHeadRequestAnswersWithTheStatusAndContentTypeOfAGet() throws Exception {
        EntityExchangeResult<String> get = browser.get("/counter");

        HttpResponse<Void> head = head("/counter", sid(get));

        assertThat(head.statusCode()).isEqualTo(get.getStatus().value());
        assertThat(head.headers().firstValue("Content-Type").orElse(null))
                .isEqualTo(String.valueOf(get.getResponseHeaders().getContentType()));
    }

    private static String sid(EntityExchangeResult<String> response) {
        ResponseCookie cookie = response.getResponseCookies().getFirst("sid");
        assertThat(cookie).as("the sid cookie of the first GET").isNotNull();
        return cookie.getValue();
    }

    private HttpResponse<Void> head(String path, @Nullable String sid) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method("HEAD", HttpRequest.BodyPublishers.noBody());
        if (sid != null) {
            request.header("Cookie", "sid=" + sid);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.discarding());
    }
}
