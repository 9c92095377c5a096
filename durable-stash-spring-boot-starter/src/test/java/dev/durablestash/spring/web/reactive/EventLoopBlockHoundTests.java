package dev.durablestash.spring.web.reactive;

import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.durablestash.spring.web.reactive.testapp.EarlyFormReader;
import dev.durablestash.spring.web.reactive.testapp.FluxTestApplication;
import dev.durablestash.spring.web.reactive.testapp.Gate;

import reactor.blockhound.BlockingOperationError;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nothing of the starter blocks a Netty event-loop thread (or any other of Reactor's non-blocking
 * threads): BlockHound fails every blocking call made on one (a {@link BlockingOperationError}, which fails
 * the exchange), and these exchanges mount views, recover, stash (to the filesystem backend, whose I/O runs on a
 * pool of its own), issue the sid cookie, take atomic views' turns and reset. The check itself is shown
 * to be live by a handler that sleeps on the event loop and is refused.
 *
 * <p>Runs in a JVM of its own ({@code -XX:+AllowRedefinitionToAddDeleteMethods}, which BlockHound needs
 * on Java 13 and later; see the module's surefire configuration), because BlockHound stays installed.
 */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=filesystem" })
@ExtendWith(StrictBlockHound.class)
class EventLoopBlockHoundTests {

    @TempDir
    static Path storage;

    @DynamicPropertySource
    static void storageDirectory(DynamicPropertyRegistry registry) {
        registry.add("durable-stash.storage.filesystem.directory", storage::toString);
    }

    @LocalServerPort
    int port;

    FluxClient browser;

    @BeforeEach
    void openBrowser() {
        browser = new FluxClient(port);
    }

    @Test
    void theCheckCatchesABlockingCallOnAnEventLoopThread() {
        assertThat(browser.get("/blocking").getResponseBody()).startsWith("refused on ").contains("http");
    }

    @Test
    void mountingRecoveringStashingAndResettingNeverBlockAnEventLoopThread() {
        String[] rejoin = { "X-Stash-Mounts", "1" };
        assertThat(browser.get("/counter").getResponseBody()).isEqualTo("count=0;draft=null");
        assertThat(browser.post("/counter/increment", "").getStatus().value()).isEqualTo(303);
        assertThat(browser.post("/counter/increment-view", "").getResponseBody()).isEqualTo("counter:count=2;");
        assertThat(browser.post("/counter/increment-mono", "", rejoin).getResponseBody()).isEqualTo("3");
        assertThat(browser.post("/counter/increment-flux", "", rejoin).getResponseBody()).isEqualTo("ab");
        assertThat(browser.post("/counter/draft", "draft=hi", rejoin).getResponseBody()).isEqualTo("draft=hi");
        assertThat(browser.get("/counter", rejoin).getResponseBody()).isEqualTo("count=4;draft=hi");
        assertThat(browser.post("/counter/form", "f=y&_mounts=1", EarlyFormReader.FORM_HEADER, "1").getResponseBody())
                .as("a form read by a filter ahead of the SidWebFilter").isEqualTo("count=5;f=y;draft=hi");
        Gate.open();
        assertThat(browser.get("/counter/events", rejoin).getResponseBody()).as("stashed as the handler returned")
                .contains("count=6");
        assertThat(browser.post("/basket?item=a", "").getResponseBody()).isEqualTo("[a]");
        assertThat(browser.post("/tally/add", "").getResponseBody()).isEqualTo("total=5");
        assertThat(browser.post("/tally/add-now", "").getResponseBody()).isEqualTo("stashed");
        assertThat(browser.post("/tally/reset", "").getResponseBody()).isEqualTo("total=0");
        EntityExchangeResult<String> reset = browser.post("/counter/reset", "");
        assertThat(reset.getResponseBody()).isEqualTo("count=0;RECOVERED");
        assertThat(browser.get("/durable-stash.js").getStatus().value()).isEqualTo(200);
    }
}
