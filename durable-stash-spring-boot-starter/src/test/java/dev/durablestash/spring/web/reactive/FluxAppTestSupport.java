package dev.durablestash.spring.web.reactive;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;

/**
 * For tests against a running WebFlux test app on the in-memory backend (the subclass names the app in
 * its {@code @SpringBootTest}): a browser client with a cookie jar of its own for each test, and the
 * backend's injected faults cleared before and after each test.
 */
abstract class FluxAppTestSupport {

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
    void clearFaults() {
        storage.clearFaults();
    }
}
