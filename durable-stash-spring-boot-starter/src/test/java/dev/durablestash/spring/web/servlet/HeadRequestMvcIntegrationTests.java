package dev.durablestash.spring.web.servlet;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import dev.durablestash.spring.web.servlet.testapp.Gate;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A HEAD request (a link checker, a monitor, {@code curl -I}) renders no page for anyone: it is no fresh
 * mount of the page's views, so it neither clears the RECONNECT keys of the browser session whose
 * cookie it carries (an unsent draft) nor starts a browser session (no sid cookie, nothing stored), and
 * its status and headers are GET's.
 */
class HeadRequestMvcIntegrationTests extends RunningMvcTestApp {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aHeadRequestLeavesTheDraftOfTheBrowserSessionAlone() throws Exception {
        browser.get("/counter");
        browser.post("/counter/draft", "draft=unsent reply", REJOIN);
        long puts = storage.count(Operation.PUT);

        HttpResponse<Void> head = head("/counter", browser.sidCookie());

        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().allValues("Set-Cookie")).as("Set-Cookie of a HEAD request").isEmpty();
        assertThat(storage.count(Operation.PUT)).as("PUTs of a HEAD request").isEqualTo(puts);
        assertThat(browser.get("/counter", REJOIN).body()).as("the page rejoined after a HEAD of it")
                .isEqualTo("count=0;username=null;draft=unsent reply");
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
        HttpResponse<String> get = browser.get("/counter");

        HttpResponse<Void> head = head("/counter", browser.sidCookie());

        assertThat(head.statusCode()).isEqualTo(get.statusCode());
        assertThat(head.headers().firstValue("Content-Type")).isEqualTo(get.headers().firstValue("Content-Type"));
    }

    /**
     * A HEAD of a handler that stashes explicitly ({@code stashNow()}) writes: it takes the view's turn as any
     * request does, so a read-modify-write of another request of the browser session is not lost (rule 15).
     */
    @Test
    void aHeadRequestThatStashesExplicitlyWaitsForTheTurnLikeAnyWriter() throws Exception {
        browser.get("/counter");
        Gate.arm();
        CompletableFuture<HttpResponse<String>> held = browser.postAsync("/counter/gated-increment", "", REJOIN);
        Gate.awaitEntered(); // holds the turn, read count=0
        CompletableFuture<HttpResponse<Void>> head = CompletableFuture.supplyAsync(() -> {
            try {
                return head("/counter/visit", browser.sidCookie());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(500);
        Gate.open();
        assertThat(held.get(10, TimeUnit.SECONDS).body()).isEqualTo("1");
        assertThat(head.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(browser.get("/counter", REJOIN).body()).as("two read-modify-writes of the view, each stashed: "
                + "none lost").startsWith("count=2;");
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
