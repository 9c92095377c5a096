package dev.durablestash.spring.web.servlet;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.spring.web.servlet.supportconfigured.SupportConfiguredApplication;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An app that extends {@code WebMvcConfigurationSupport} (Spring's documented advanced configuration, which
 * applies no {@code WebMvcConfigurer}) gets what a Spring Boot app gets: its view controllers and view
 * arguments are recovered and stashed, and {@code /durable-stash.js} is served.
 */
@SpringBootTest(classes = SupportConfiguredApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "durable-stash.storage.type=memory")
class WebMvcConfigurationSupportAppTests {

    static final String[] REJOIN = { Browser.REJOIN, "1" };

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @LocalServerPort
    int port;

    @Test
    void aViewControllersIncrementsAreStoredAndRecovered() {
        Browser browser = new Browser(port);
        assertThat(browser.post("/count/increment", "").body()).isEqualTo("count=1");
        assertThat(browser.post("/count/increment", "", REJOIN).body()).as("the second increment")
                .isEqualTo("count=2");
        assertThat(browser.get("/count", REJOIN).body()).isEqualTo("count=2");
        assertThat(new Browser(port).get("/count").body()).as("another browser").isEqualTo("count=0");
    }

    @Test
    void aViewTakenAsAHandlerArgumentIsStoredAndRecovered() {
        Browser browser = new Browser(port);
        assertThat(browser.post("/tally/mark", "").body()).isEqualTo("marks=1");
        assertThat(browser.post("/tally/mark", "", REJOIN).body()).as("the second mark").isEqualTo("marks=2");
    }

    @Test
    void theScriptIsServed() {
        HttpResponse<String> script = new Browser(port).get("/durable-stash.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.body()).contains("X-Stash-Mounts");
        assertThat(script.headers().firstValue("Cache-Control")).hasValue("no-cache");
    }
}
