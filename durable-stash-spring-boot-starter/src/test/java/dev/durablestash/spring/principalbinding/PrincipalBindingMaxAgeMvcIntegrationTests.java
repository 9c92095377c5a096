package dev.durablestash.spring.principalbinding;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.spring.testsupport.WebBrowser;
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
        WebBrowser browser = new WebBrowser(port);
        assertThat(browser.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        browser.post("/notes", "note=one");
        String sid = browser.sid();
        for (int i = 0; i < 3; i++) {
            assertThat(browser.get("/notes").body()).isEqualTo("note=one");
        }
        assertThat(browser.sid()).isEqualTo(sid);
        assertThat(sid).hasSize(89);
    }
}
