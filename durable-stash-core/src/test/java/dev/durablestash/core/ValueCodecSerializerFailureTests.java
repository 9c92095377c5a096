package dev.durablestash.core;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import ch.qos.logback.classic.Level;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.annotation.JsonSerialize;
import tools.jackson.databind.ser.std.StdSerializer;

import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the codec does now that it treats any RuntimeException of a serializer as "not representable":
 * errors still propagate, Jackson's own failures keep their message and cause, an interrupt is not
 * cleared, and under policy LOG a serializer that fails once only skips that one stash.
 */
class ValueCodecSerializerFailureTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.of(ValueCodec.class);

    private static final String SECRET = "x".repeat(32);

    private final ValueCodec codec = new ValueCodec(StashSettings.builder().secret(SECRET).build());
    private final ViewDefinition view = ViewDefinition.builder("form").key("v", Object.class)
            .key("name", String.class).build();

    @JsonSerialize(using = ErrorSerializer.class)
    record Broken(String text) {
    }

    static final class ErrorSerializer extends StdSerializer<Broken> {
        ErrorSerializer() {
            super(Broken.class);
        }

        @Override
        public void serialize(Broken value, JsonGenerator gen, SerializationContext context) {
            throw new AssertionError("a bug: " + value.text());
        }
    }

    @Test
    void anErrorOfASerializerIsNotSwallowed() {
        assertThatThrownBy(() -> codec.encode(view, Map.of("v", new Broken("x")), List.of()))
                .isInstanceOf(AssertionError.class).hasMessage("a bug: x");
        assertThatThrownBy(() -> codec.json(new Broken("x"))).isInstanceOf(AssertionError.class);
    }

    /** No properties: Jackson refuses it with its own exception. */
    static final class Empty {
    }

    @Test
    void aJacksonFailureKeepsItsMessageAndCause() {
        assertThatThrownBy(() -> codec.encode(view, Map.of("v", new Empty()), List.of()))
                .isInstanceOf(InvalidStashValueException.class)
                .hasMessageContaining("cannot stash key 'v' of view 'form'")
                .hasMessageContaining("No serializer found")
                .hasCauseInstanceOf(JacksonException.class);
    }

    @JsonSerialize(using = InterruptedSerializer.class)
    record Waiting(String text) {
    }

    static final class InterruptedSerializer extends StdSerializer<Waiting> {
        InterruptedSerializer() {
            super(Waiting.class);
        }

        @Override
        public void serialize(Waiting value, JsonGenerator gen, SerializationContext context) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing", new InterruptedException());
        }
    }

    @Test
    void aSerializerInterruptedFailsTheStashAndTheInterruptIsKept() {
        try {
            assertThatThrownBy(() -> codec.encode(view, Map.of("v", new Waiting("x")), List.of()))
                    .isInstanceOf(InvalidStashValueException.class)
                    .hasMessageContaining("interrupted while writing")
                    .hasRootCauseInstanceOf(InterruptedException.class);
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is not cleared").isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    static final AtomicInteger FAILURES_LEFT = new AtomicInteger();

    @JsonSerialize(using = FlakySerializer.class)
    record Flaky(String text) {
    }

    static final class FlakySerializer extends StdSerializer<Flaky> {
        FlakySerializer() {
            super(Flaky.class);
        }

        @Override
        public void serialize(Flaky value, JsonGenerator gen, SerializationContext context) {
            if (FAILURES_LEFT.getAndDecrement() > 0) {
                throw new IllegalStateException("a transient bug");
            }
            gen.writeString(value.text());
        }
    }

    @Test
    void underPolicyLogAFlakySerializerSkipsOnlyTheStashItFailedAndWarns() {
        logs.expect(Level.WARN, "cannot stash key 'v' of view 'form': value of type "
                + Flaky.class.getName() + " cannot be represented as JSON: a transient bug");
        ValueCodec lenient = new ValueCodec(StashSettings.builder().secret(SECRET)
                .invalidValuePolicy(InvalidValuePolicy.LOG).build());
        // Declared as the String it is written as: under Object it would be recovered as a String, and refused
        ViewDefinition strings = ViewDefinition.builder("form").key("v", String.class).key("name", String.class)
                .build();
        FAILURES_LEFT.set(1);
        SliceDiff first = lenient.encode(strings, Map.of("v", new Flaky("a"), "name", "ada"), List.of());
        assertThat(first.sets()).containsOnlyKeys("name");
        SliceDiff second = lenient.encode(strings, Map.of("v", new Flaky("a")), List.of());
        assertThat(second.sets()).containsOnlyKeys("v");
    }
}
