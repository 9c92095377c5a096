package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.annotation.JsonSerialize;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

/** The stash path's own writing and reading of simple values must give exactly the mapper's JSON and values. */
class ScalarValuesTests {

    private final JsonMapper mapper = StashJson.forValues(JsonMapper.builder().build());

    @Test
    void writesWhatTheMapperWritesForEveryKindOfValue() {
        ScalarValues scalars = ScalarValues.of(mapper);
        SplittableRandom random = new SplittableRandom(11);
        List<Object> values = new ArrayList<>(List.of("", "a/b", "with \"quotes\"", "back\\slash", "tab\t", "é", "~\u007F",
                "\uD83D\uDE00", 0, Integer.MIN_VALUE, Long.MIN_VALUE, (short) -1, Byte.MIN_VALUE, true, 'c', 1.5f, -0.0));
        for (int i = 0; i < 5000; i++) {
            long n = random.nextLong() >> random.nextInt(64);
            values.add(n);
            values.add((int) n);
            values.add((short) n);
            values.add((byte) n);
            values.add(random.nextBoolean());
            values.add(randomText(random));
        }
        int fast = 0;
        for (Object value : values) {
            byte[] written = scalars.write(value);
            if (written != null) {
                fast++;
                assertThat(new String(written)).as("%s of %s", value, value.getClass())
                        .isEqualTo(new String(mapper.writeValueAsBytes(value)));
            }
        }
        assertThat(fast).as("values written without the mapper").isGreaterThan(25_000);
        assertThat(scalars.write("a/b")).as("a slash: the mapper may escape it").isNull();
        assertThat(scalars.write("é")).isNull();
        assertThat(scalars.write('c')).isNull();
        assertThat(scalars.write(null)).isNull();
    }

    @Test
    void readsWhatTheMapperReadsForEveryTypeItHandles() {
        ScalarValues scalars = ScalarValues.of(mapper);
        SplittableRandom random = new SplittableRandom(13);
        List<Object> values = new ArrayList<>(List.of("", "é\"\\/\n", Integer.MAX_VALUE, Long.MAX_VALUE, true, false, 1.5));
        values.add(null);
        for (int i = 0; i < 3000; i++) {
            values.add(random.nextLong() >> random.nextInt(64));
            values.add(randomText(random));
        }
        List<Type> types = List.of(int.class, Integer.class, long.class, Long.class, boolean.class, Boolean.class,
                String.class, Object.class, short.class, double.class);
        int fast = 0;
        for (Object value : values) {
            JsonNode node = mapper.valueToTree(value);
            byte[] json = mapper.writeValueAsBytes(node);
            for (Type type : types) {
                Object read = scalars.read(node, type);
                if (read != ScalarValues.NOT_READ) {
                    fast++;
                    Object expected = mapper.readerFor(mapper.constructType(type)).readValue(json);
                    assertThat(read).as("%s as %s", new String(json), type).isEqualTo(expected);
                    assertThat(read.getClass()).isEqualTo(expected.getClass());
                }
            }
        }
        assertThat(fast).as("nodes read without the mapper").isGreaterThan(9000);
        assertThat(scalars.read(mapper.valueToTree(1.5), double.class)).isSameAs(ScalarValues.NOT_READ);
        assertThat(scalars.read(mapper.valueToTree(7), Object.class)).as("untyped: the mapper's choice")
                .isSameAs(ScalarValues.NOT_READ);
        assertThat(scalars.read(mapper.valueToTree("7"), int.class)).as("a coercion: the mapper's rules")
                .isSameAs(ScalarValues.NOT_READ);
    }

    @Test
    void isOnForTheEnginesDefaultMapper() {
        StashSettings settings = StashSettings.builder().secret("x".repeat(32)).build();
        ScalarValues scalars = ScalarValues.of(StashJson.forValues(settings.jsonMapper()));
        assertThat(scalars.write(5)).isEqualTo("5".getBytes());
        assertThat(scalars.read(mapper.valueToTree("abc"), String.class)).isEqualTo("abc");
    }

    @Test
    void leavesEverythingToAMapperThatWritesNumbersAsStrings() {
        JsonMapper strings = StashJson.forValues(JsonMapper.builder().enable(JsonWriteFeature.WRITE_NUMBERS_AS_STRINGS).build());
        assertThat(ScalarValues.of(strings).write(5)).isNull();
        assertThat(ScalarValues.of(mapper).write(5)).isEqualTo("5".getBytes());
    }

    @Test
    void leavesEverythingToAMapperWithAnApplicationsModule() {
        SimpleModule module = new SimpleModule("values");
        module.addSerializer(String.class, new ValueSerializer<String>() {
            @Override
            public void serialize(String value, JsonGenerator gen, SerializationContext ctxt) {
                gen.writeString(value.startsWith("x") ? value.toUpperCase(Locale.ROOT) : value); // the probes do not see it
            }
        });
        module.addDeserializer(Integer.class, new ValueDeserializer<Integer>() {
            @Override
            public Integer deserialize(JsonParser p, DeserializationContext ctxt) {
                return p.getIntValue() == 42 ? 0 : p.getIntValue();
            }
        });
        JsonMapper custom = StashJson.forValues(JsonMapper.builder().addModule(module).build());
        assertThat(new String(custom.writeValueAsBytes("xyz"))).isEqualTo("\"XYZ\"");
        ScalarValues scalars = ScalarValues.of(custom);
        assertThat(scalars.write("xyz")).isNull();
        assertThat(scalars.read(custom.valueToTree(42), Integer.class)).isSameAs(ScalarValues.NOT_READ);
    }

    @Test
    void leavesEverythingToAMapperWithAMixInForOneOfItsClasses() {
        JsonMapper mixed = StashJson.forValues(JsonMapper.builder().addMixIn(Long.class, LongAsText.class).build());
        assertThat(ScalarValues.of(mixed).write(5)).isNull();
    }

    @Test
    void leavesLongStringsToTheMapperThatLimitsThem() {
        JsonMapper limited = StashJson.forValues(JsonMapper.builder(JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(600).build()).build()).build());
        ScalarValues scalars = ScalarValues.of(limited);
        assertThat(scalars.read(limited.valueToTree("x".repeat(100)), String.class)).isEqualTo("x".repeat(100));
        assertThat(scalars.read(limited.valueToTree("x".repeat(101)), String.class)).isSameAs(ScalarValues.NOT_READ);
    }

    @JsonSerialize(using = ToStringLong.class)
    abstract static class LongAsText {
    }

    static final class ToStringLong extends ValueSerializer<Long> {
        @Override
        public void serialize(Long value, JsonGenerator gen, SerializationContext ctxt) {
            gen.writeString(value.toString());
        }
    }

    private static String randomText(SplittableRandom random) {
        StringBuilder text = new StringBuilder();
        for (int c = random.nextInt(20); c > 0; c--) {
            text.append((char) (random.nextInt(8) == 0 ? random.nextInt(0x3000) : 0x20 + random.nextInt(0x5F)));
        }
        return text.toString();
    }
}
