package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.node.BooleanNode;
import tools.jackson.databind.node.IntNode;
import tools.jackson.databind.node.LongNode;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.StringNode;

/** The stash path's own reading of simple values' JSON must give exactly the mapper's trees. */
class ScalarTreesTests {

    private final JsonMapper mapper = StashJson.forValues(JsonMapper.builder().build());

    @Test
    void readsWhatTheMapperReadsForEveryKindOfValue() {
        ScalarTrees scalars = ScalarTrees.of(mapper);
        List<Object> values = new ArrayList<>(List.of("", "plain", "with \"quotes\"", "back\\slash", "tab\t", "é", "日本",
                "\uD83D\uDE00", "~\u007F", 0, -1, 1, Integer.MAX_VALUE, Integer.MIN_VALUE, (long) Integer.MAX_VALUE + 1,
                (long) Integer.MIN_VALUE - 1, 999_999_999_999_999_999L, -999_999_999_999_999_999L,
                1_000_000_000_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE, new BigInteger("123456789012345678901234"),
                1.5, -0.0, 0.0, 1e300, new BigDecimal("1.50"), true, false, (short) 7, (byte) -3, 'c'));
        values.add(null);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 5000; i++) {
            values.add(random.nextLong() >> random.nextInt(64));
            StringBuilder text = new StringBuilder();
            for (int c = random.nextInt(20); c > 0; c--) {
                text.append((char) (random.nextInt(4) == 0 ? random.nextInt(0x3000) : 0x20 + random.nextInt(0x5F)));
            }
            values.add(text.toString());
        }
        int fast = 0;
        for (Object value : values) {
            byte[] json = mapper.writeValueAsBytes(value);
            JsonNode expected = mapper.readTree(json);
            JsonNode read = scalars.tree(json);
            if (read != null) {
                fast++;
                assertThat(read).as("JSON %s", new String(json)).isEqualTo(expected);
                assertThat(read.getClass()).as("JSON %s", new String(json)).isEqualTo(expected.getClass());
            }
        }
        assertThat(fast).as("values read without the mapper").isGreaterThan(5000);
    }

    @Test
    void leavesTheReadingToAMapperThatReadsIntegersDifferently() {
        JsonMapper longs = StashJson.forValues(JsonMapper.builder().enable(DeserializationFeature.USE_LONG_FOR_INTS).build());
        assertThat(ScalarTrees.of(longs).tree("1".getBytes())).isNull();
        assertThat(ScalarTrees.of(mapper).tree("1".getBytes())).isNotNull();
    }

    @Test
    void leavesTheReadingToAMapperWithAnApplicationsModule() {
        SimpleModule module = new SimpleModule("trees");
        module.addDeserializer(JsonNode.class, new ValueDeserializer<JsonNode>() {
            @Override
            public JsonNode deserialize(JsonParser p, DeserializationContext ctxt) {
                return switch (p.currentToken()) {
                    case VALUE_STRING -> { // only some strings: the probes do not see it
                        String text = p.getString();
                        yield StringNode.valueOf(text.startsWith("x") ? text.toUpperCase(java.util.Locale.ROOT) : text);
                    }
                    case VALUE_TRUE -> BooleanNode.TRUE;
                    case VALUE_FALSE -> BooleanNode.FALSE;
                    case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.INT ? IntNode.valueOf(p.getIntValue())
                            : LongNode.valueOf(p.getLongValue());
                    default -> NullNode.getInstance();
                };
            }

            @Override
            public JsonNode getNullValue(DeserializationContext ctxt) {
                return NullNode.getInstance();
            }
        });
        JsonMapper custom = StashJson.forValues(JsonMapper.builder().addModule(module).build());
        assertThat(custom.readTree("\"xyz\"".getBytes()).stringValue()).isEqualTo("XYZ");
        assertThat(ScalarTrees.of(custom).tree("\"xyz\"".getBytes())).isNull();
    }
}
