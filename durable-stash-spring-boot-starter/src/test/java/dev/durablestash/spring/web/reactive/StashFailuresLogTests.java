package dev.durablestash.spring.web.reactive;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import dev.durablestash.core.InvalidStashValueException;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/** What a value that cannot be stored logs on WebFlux: one ERROR line, whatever made it unstorable. */
class StashFailuresLogTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.of(StashFailures.class);

    private final MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/draft"));

    @Test
    void aValueTooLargeLogsOneLineWithoutAStackTrace() {
        logs.expect(Level.ERROR, "Cannot stash key 'draft' of view 'Compose' for POST /draft");

        StashFailures.log(exchange, new InvalidStashValueException("Compose", "draft",
                "value is 70000 bytes of JSON, more than the limit of 65536 bytes (max-value-size)", null), 503);

        ILoggingEvent logged = logs.events(Level.ERROR).get(0);
        assertThat(logged.getFormattedMessage()).contains("max-value-size");
        assertThat(logged.getThrowableProxy()).as("input a visitor controls must not flood the log").isNull();
    }

    @Test
    void aSerializersFailureLogsOneLineToo() {
        logs.expect(Level.ERROR, "Cannot stash key 'draft' of view 'Compose' for POST /draft");

        StashFailures.log(exchange, new InvalidStashValueException("Compose", "draft", "cannot be represented",
                new IllegalStateException("the serializer's bug")), 503);

        assertThat(logs.events(Level.ERROR).get(0).getThrowableProxy()).isNull();
    }
}
