package dev.durablestash.spring.web.reactive;

import static dev.durablestash.testsupport.Stages.awaitUntil;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.reactive.function.client.WebClient;

import reactor.core.Disposable;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

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

    /**
     * Sends {@code request} and goes away (cancels it, closing its connection) once the storage received
     * a PUT from then on, i.e. while the exchange's stash is in flight: not after a fixed time, which a
     * slow machine may spend before the stash starts.
     *
     * @throws AssertionError when no PUT came within 10 s
     */
    void sendAndGoAwayDuringAPut(WebClient.RequestHeadersSpec<?> request) throws InterruptedException {
        long puts = storage.count(Operation.PUT);
        Disposable exchange = request.retrieve().bodyToMono(String.class).subscribe(body -> { }, error -> { });
        try {
            awaitAPutAfter(puts);
        } finally {
            exchange.dispose();
        }
    }

    /** Waits until the storage received more than {@code puts} PUTs, for 10 s at most. */
    void awaitAPutAfter(long puts) throws InterruptedException {
        awaitUntil("a PUT started", () -> storage.count(Operation.PUT) > puts);
    }
}
