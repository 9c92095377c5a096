package dev.durablestash.spring.web.reactive;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.durablestash.spring.web.reactive.threads.ThreadsApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/spring.md (WebFlux, Threads): the handler's code continues on Reactor's {@code parallel} scheduler
 * after the recover, and after an explicit stash, reset or rotation, never on the storage's threads. On the
 * filesystem storage, whose I/O runs on a pool of its own ({@code durable-stash-fs-*}).
 */
@SpringBootTest(classes = ThreadsApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=filesystem",
        "durable-stash.storage.filesystem.directory=target/reactive-handler-threads-fs" })
class ReactiveHandlerThreadTests {

    static final String[] REJOIN = { "X-Stash-Mounts", "1" };

    @LocalServerPort
    int port;

    @Test
    void afterRecoverTheHandlerRunsOnParallel() {
        FluxClient browser = new FluxClient(port);
        EntityExchangeResult<String> r = browser.post("/threads/thread", "");
        assertThat(r.getResponseBody()).startsWith("parallel-");
    }

    @Test
    void afterAnExplicitReactiveStashTheHandlerContinuesOnParallelNotOnTheStorageThreads() {
        FluxClient browser = new FluxClient(port);
        browser.get("/threads");
        EntityExchangeResult<String> r = browser.post("/threads/stash-thread", "", REJOIN);
        assertThat(r.getStatus().value()).isEqualTo(200);
        assertThat(r.getResponseBody()).startsWith("parallel-");
    }

    @ParameterizedTest
    @ValueSource(strings = { "reset-thread", "rotate-thread" })
    void afterAResetOrARotateTheHandlerContinuesOnParallelNotOnTheStorageThreads(String path) {
        FluxClient browser = new FluxClient(port);
        browser.post("/threads/stash-thread", "");
        EntityExchangeResult<String> r = browser.post("/threads/" + path, "", REJOIN);
        assertThat(r.getResponseBody()).startsWith("parallel-");
    }
}
