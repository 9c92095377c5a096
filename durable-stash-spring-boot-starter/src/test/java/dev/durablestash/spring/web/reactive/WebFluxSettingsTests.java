package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.durablestash.spring.web.reactive.testapp.FluxTestApplication;
import dev.durablestash.testsupport.ExpectedLogs;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

/** The properties the reactive side shares with the servlet side. */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.failure-status=507", "durable-stash.cookie.max-age=1h",
        "server.forward-headers-strategy=framework" })
class WebFluxSettingsTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash")
            .allow(Level.WARN, "failed, answering 507");

    static final String[] REJOIN = { "X-Stash-Mounts", "1" };

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    InMemoryStorageBackend storage;
    FluxClient browser;

    @BeforeEach
    void openBrowser() {
        storage = (InMemoryStorageBackend) backend;
        storage.clearFaults();
        browser = new FluxClient(port);
    }

    @AfterEach
    void clear() {
        storage.clearFaults();
    }

    @Test
    void theConfiguredFailureStatusAnswersEveryFailedStash() {
        browser.get("/counter");
        for (String path : new String[] { "/counter/increment", "/counter/increment-view", "/counter/increment-body",
                "/counter/increment-mono", "/counter/increment-entity", "/counter/increment-flux", "/tally/add",
                "/catching/stash-now", "/catching/stash-now-swallowed", "/r9/direct", "/r9/complete" }) {
            storage.failNext(Operation.PUT, 1);
            EntityExchangeResult<String> failed = browser.post(path, "", REJOIN);
            assertThat(failed.getStatus().value()).as(path).isEqualTo(507);
        }
    }

    @Test
    void theCookieIsSecureBehindAnHttpsProxyAndItsMaxAgeSlides() {
        EntityExchangeResult<String> first = browser.get("/counter", "X-Forwarded-Proto", "https");
        assertThat(FluxClient.sidSetCookie(first)).isNotNull().containsIgnoringCase("Secure")
                .contains("Max-Age=3600");
        assertThat(FluxClient.sidSetCookie(browser.get("/counter", "X-Forwarded-Proto", "https")))
                .as("refreshed").isNotNull().containsIgnoringCase("Secure").contains("Max-Age=3600");
    }
}
