package dev.durablestash.spring.web.servlet;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.spring.web.servlet.testapp.Gate;
import dev.durablestash.spring.web.servlet.testapp.MvcTestApplication;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * The test app on Tomcat at a random port over the in-memory backend, with a fresh {@link Browser}
 * (its own cookie jar) per test. Faults injected into the backend and a closed {@link Gate} never
 * outlive a test.
 */
@SpringBootTest(classes = MvcTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "durable-stash.storage.type=memory", "durable-stash.max-value-size=1KB" })
abstract class RunningMvcTestApp {

    static final String[] REJOIN = { Browser.REJOIN, "1" };

    /** The engine's and the starter's log: a test declares the warnings it provokes; any other fails it. */
    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    InMemoryStorageBackend storage;
    Browser browser;

    @BeforeEach
    final void openBrowser() {
        storage = (InMemoryStorageBackend) backend;
        storage.clearFaults();
        browser = new Browser(port);
    }

    @AfterEach
    final void releaseGateAndFaults() {
        Gate.open();
        storage.clearFaults();
    }
}
