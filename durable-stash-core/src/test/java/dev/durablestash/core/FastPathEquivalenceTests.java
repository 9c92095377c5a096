package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.durablestash.core.MapStorageBackend.Operation;
import dev.durablestash.testsupport.MutableClock;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.StringNode;

/**
 * The engine's fast paths (reading simple values' trees without a parser, the expiry refresh
 * check) must behave exactly as the code they replaced, with any mapper and any TTL.
 */
class FastPathEquivalenceTests {

    private final MapStorageBackend backend = new MapStorageBackend();
    private final String sid = SessionIds.newSid();
    private final ViewDefinition view = ViewDefinition.builder("notes").key("note", String.class).key("count", int.class)
            .build();

    @Test
    void anEngineStartsWithAMapperThatRefusesLongNumbers() throws Exception {
        JsonMapper mapper = JsonMapper.builder(JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNumberLength(15).build()).build()).build();
        StashSettings settings = Engines.settings().jsonMapper(mapper).build();
        try (StashAdapter adapter = new StashAdapter(backend, settings)) {
            await(adapter.stash(sid, view, Map.of("count", 7)));
            assertThat(await(adapter.recover(sid, view, MountKind.FRESH)).values()).containsEntry("count", 7);
        }
    }

    @Test
    void anAcknowledgedStringIsRecoveredEvenWithAMapperThatLimitsStringLength() throws Exception {
        JsonMapper mapper = JsonMapper.builder(JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(1000).build()).build()).build();
        String note = "x".repeat(5000);
        StashSettings settings = Engines.settings().jsonMapper(mapper).build();
        try (StashAdapter adapter = new StashAdapter(backend, settings)) {
            // Before the fast path the stash failed (the mapper refused to read the value's JSON back);
            // a stash that is acknowledged must be recoverable.
            Throwable failed = catchThrowable(() -> await(adapter.stash(sid, view, Map.of("note", note))));
            if (failed == null) {
                assertThat(await(adapter.recover(sid, view, MountKind.FRESH)).values()).containsEntry("note", note);
            }
        }
    }

    @Test
    void storesTheTreeAMapperWithItsOwnNodeFactoryReads() throws Exception {
        JsonNodeFactory trimming = new JsonNodeFactory() {
            @Override
            public StringNode stringNode(String text) {
                return super.stringNode(text == null ? null : text.strip());
            }
        };
        JsonMapper mapper = JsonMapper.builder().nodeFactory(trimming).build();
        StashSettings settings = Engines.settings().jsonMapper(mapper).build();
        JsonMapper values = StashJson.forValues(mapper);
        byte[] json = values.writeValueAsBytes("  padded  ");
        JsonNode expected = values.readTree(json);
        assertThat(expected.stringValue()).isEqualTo("padded");

        assertThat(settings.valueCodec().tree(json)).isEqualTo(expected);
        ValueJson valueJson = ValueJson.of(settings);
        assertThat(valueJson.sameStoredJson(valueJson.write("padded"), json)).isTrue();
        try (StashAdapter adapter = new StashAdapter(backend, settings)) {
            await(adapter.stash(sid, view, Map.of("note", "  padded  ")));
            assertThat(await(adapter.recover(sid, view, MountKind.FRESH)).values()).containsEntry("note", "padded");
        }
    }

    @Test
    void aReadRefreshesTheExpiryWhenLessThanHalfAnOddTtlIsLeft() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        Duration ttl = Duration.ofHours(10).plusNanos(1); // half: 5 h and half a nanosecond
        StashSettings settings = Engines.settings().clock(clock).ttl(ttl).build();
        try (StashAdapter adapter = new StashAdapter(backend, settings)) {
            await(adapter.stash(sid, view, Map.of("count", 1)));
            long puts = backend.count(Operation.PUT);

            clock.advance(Duration.ofHours(5)); // 5 h + 1 ns left: not less than half
            await(adapter.recover(sid, view, MountKind.FRESH));
            await(adapter.recover(sid, view, MountKind.FRESH)); // behind any refresh the first one called for
            assertThat(backend.count(Operation.PUT)).isEqualTo(puts);

            clock.advance(Duration.ofNanos(1)); // exactly 5 h left: less than half the TTL
            await(adapter.recover(sid, view, MountKind.FRESH));
            await(adapter.recover(sid, view, MountKind.FRESH));
            assertThat(backend.count(Operation.PUT)).isEqualTo(puts + 1);
        }
    }
}
