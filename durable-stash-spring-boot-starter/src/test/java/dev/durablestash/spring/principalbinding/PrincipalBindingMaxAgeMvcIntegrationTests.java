package dev.durablestash.spring.principalbinding;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;

/** The binding with {@code durable-stash.cookie.max-age} set: every request that uses the sid sets its cookie. */
@SpringBootTest(classes = BindingTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "durable-stash.storage.type=memory", "durable-stash.cookie.max-age=PT1H" })
class PrincipalBindingMaxAgeMvcIntegrationTests {

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    @BeforeEach
    void setUp() {
        ((InMemoryStorageBackend) backend).clear();
        BindingTestApplication.SLOW_ENTERED = new CountDownLatch(1);
        BindingTestApplication.SLOW_RELEASE = new CountDownLatch(1);
    }

    /** Passing check: with a max-age, a logged-in user's cookie is rewritten per request but never rotated. */
    @Test
    void aLoggedInUsersRequestsKeepOneSid() throws Exception {
        WebBrowser browser = new WebBrowser();
        assertThat(browser.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        browser.post("/notes", "note=one");
        String sid = browser.sid();
        for (int i = 0; i < 3; i++) {
            assertThat(browser.get("/notes").body()).isEqualTo("note=one");
        }
        assertThat(browser.sid()).isEqualTo(sid);
        assertThat(sid).hasSize(89);
    }

    private final class WebBrowser {

        private final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
        private final HttpClient client = HttpClient.newBuilder().cookieHandler(cookies)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        private final URI base = URI.create("http://localhost:" + port);

        HttpResponse<String> get(String path) throws IOException, InterruptedException {
            return client.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        }

        CompletableFuture<HttpResponse<String>> getAsync(String path) {
            return client.sendAsync(HttpRequest.newBuilder(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> post(String path, String form) throws IOException, InterruptedException {
            return client.send(HttpRequest.newBuilder(base.resolve(path))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        }

        @Nullable String sid() {
            for (HttpCookie cookie : cookies.getCookieStore().get(base)) {
                if (cookie.getName().equals("sid")) {
                    return cookie.getValue();
                }
            }
            return null;
        }
    }
}
