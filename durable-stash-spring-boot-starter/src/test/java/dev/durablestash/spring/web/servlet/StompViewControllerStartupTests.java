package dev.durablestash.spring.web.servlet;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.builder.SpringApplicationBuilder;

import dev.durablestash.spring.web.servlet.stompview.StompViewApplication;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A STOMP app on Tomcat whose view controller also has a {@code @MessageMapping} method does not
 * start: message handlers run outside any HTTP request, where such a controller cannot be created
 * (every message to it would fail) and nothing recovers or stashes its fields.
 */
class StompViewControllerStartupTests {

    /** The startup failure the test provokes and asserts. */
    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.boot.SpringApplication",
            "org.springframework.context", "org.springframework.boot.web")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt")
            .allow(Level.ERROR, "Application run failed");

    @Test
    void anAppWhoseViewControllerAlsoHandlesStompMessagesFailsStartup() {
        Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(StompViewApplication.class)
                .properties("server.port=0", "durable-stash.storage.type=memory").run().close());
        assertThat(failure).as("the startup failure").isNotNull();
        while (failure.getCause() != null && failure.getCause() != failure) {
            failure = failure.getCause();
        }
        assertThat(failure).isInstanceOf(IllegalStateException.class)
                .hasMessageContainingAll(StompViewApplication.class.getName() + "$CounterController",
                        "CounterController.count", "@MessageMapping", "CounterController#add",
                        "outside any HTTP request", "controller without @Stashed fields");
    }
}
