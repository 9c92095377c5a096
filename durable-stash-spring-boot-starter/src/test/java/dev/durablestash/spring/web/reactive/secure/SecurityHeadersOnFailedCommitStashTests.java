package dev.durablestash.spring.web.reactive.secure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * A stash that fails as the response commits answers 503 with Spring Security's headers: its header writer's
 * commit action, registered by its filter before the first view was bound, runs before the stash (WebFlux skips
 * the commit actions after a failed one). Registering the stash as the exchange started lost them.
 */
@SpringBootTest(classes = SecureFluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory" })
class SecurityHeadersOnFailedCommitStashTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash").allow(Level.WARN, "").allow(Level.ERROR, "");

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    @Test
    void aFailedStashAtTheCommitStillCarriesSpringSecuritysHeaders() {
        WebTestClient client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(30)).build();
        EntityExchangeResult<String> ok = client.post().uri("/counter/increment-body").exchange()
                .expectBody(String.class).returnResult();
        assertThat(ok.getResponseBody()).isEqualTo("1");
        assertThat(ok.getResponseHeaders().getFirst("X-Content-Type-Options")).isEqualTo("nosniff");
        String sid = ok.getResponseCookies().getFirst("sid").getValue();

        InMemoryStorageBackend storage = (InMemoryStorageBackend) backend;
        storage.failNext(Operation.PUT, 1); // the commit's stash
        EntityExchangeResult<String> failed;
        try {
            failed = client.post().uri("/counter/increment-body").cookie("sid", sid).exchange()
                    .expectBody(String.class).returnResult();
        } finally {
            storage.clearFaults();
        }
        assertThat(failed.getStatus().value()).isEqualTo(503);
        assertThat(failed.getResponseHeaders().getFirst("X-Content-Type-Options")).as("X-Content-Type-Options")
                .isEqualTo("nosniff");
        assertThat(failed.getResponseHeaders().getFirst("X-Frame-Options")).as("X-Frame-Options").isEqualTo("DENY");
        assertThat(failed.getResponseHeaders().getFirst("Cache-Control")).as("Cache-Control").contains("no-store");
    }
}
