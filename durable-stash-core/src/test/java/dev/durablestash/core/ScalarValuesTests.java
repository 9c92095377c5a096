package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.annotation.JsonFormat;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.SerializableString;
import tools.jackson.core.io.CharacterEscapes;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

/** The stash path's own writing and reading of simple values must give exactly the mapper's JSON and values. */
class ScalarValuesTests {

    private static final String SECRET = "x".repeat(32);

    private final JsonMapper mapper = StashJson.forValues(JsonMapper.builder().build());

    private static ScalarValues of(JsonMapper mapper) {
        return ScalarValues.of(mapper, ScalarTrees.of(mapper));
    }

    @Test
    void writesWhatTheMapperWritesForEveryKindOfValue() {
        ScalarValues values = of(mapper);
        List<Object> samples = new ArrayList<>(List.of("", "plain", "with \"quotes\"", "back\\slash", "tab\t", "é",
                "日本", "\uD83D\uDE00", "~\u007F", "</script>", 0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0L,
                Long.MAX_VALUE, Long.MIN_VALUE, true, false, 1.5, new BigDecimal("1.50"), (short) 7, 'c'));
        samples.add(null);
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 5000; i++) {
            samples.add(random.nextLong() >> random.nextInt(64));
            samples.add(random.nextInt() >> random.nextInt(32));
            samples.add(randomText(random));
        }
        int fast = 0;
        for (Object value : samples) {
            byte[] json = values.write(value);
            if (json != null) {
                fast++;
                assertThat(new String(json, java.nio.charset.StandardCharsets.UTF_8)).as("value %s", value)
                        .isEqualTo(new String(mapper.writeValueAsBytes(value), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        assertThat(fast).as("values written without the mapper").isGreaterThan(10_000);
    }

    @Test
    void readsWhatTheMapperReadsForEveryKindOfValue() {
        ScalarValues values = of(mapper);
        ScalarTrees trees = ScalarTrees.of(mapper);
        List<Object> samples = new ArrayList<>(List.of("", "plain", "é", " spaced ", 0, -1, Integer.MAX_VALUE,
                Integer.MIN_VALUE, (long) Integer.MAX_VALUE + 1, Long.MAX_VALUE, Long.MIN_VALUE, true, false, 1.5));
        SplittableRandom random = new SplittableRandom(13);
        for (int i = 0; i < 3000; i++) {
            samples.add(random.nextLong() >> random.nextInt(64));
            samples.add(randomText(random));
        }
        List<Type> types = List.of(int.class, Integer.class, long.class, Long.class, boolean.class, Boolean.class,
                String.class, Object.class, double.class, short.class);
        int fast = 0;
        for (Object value : samples) {
            byte[] json = mapper.writeValueAsBytes(value);
            JsonNode node = trees.tree(json) != null ? trees.tree(json) : mapper.readTree(json);
            for (Type type : types) {
                Object read = values.read(node, type);
                if (read != null) {
                    fast++;
                    Object expected = mapper.readerFor(mapper.constructType(type)).readValue(json);
                    assertThat(read).as("JSON %s as %s", new String(json), type).isEqualTo(expected);
                    assertThat(read.getClass()).isEqualTo(expected.getClass());
                }
            }
        }
        assertThat(fast).as("values read without the mapper").isGreaterThan(5000);
        assertThat(values.read(node("2147483648"), int.class)).as("too large for an int: the mapper's to refuse").isNull();
        assertThat(values.read(node("\"7\""), int.class)).as("a string as an int: the mapper's coercion rules").isNull();
        assertThat(values.read(node("null"), Integer.class)).isNull();
    }

    @Test
    void leavesTheWritingToAMapperThatWritesNumbersAsStrings() {
        JsonMapper strings = StashJson.forValues(JsonMapper.builder().enable(JsonWriteFeature.WRITE_NUMBERS_AS_STRINGS).build());
        assertThat(of(strings).write(5)).isNull();
        assertThat(new ValueCodec(settings(strings)).json(5)).isEqualTo("\"5\"".getBytes());
    }

    @Test
    void leavesTheWritingToAMapperThatEscapesMoreCharacters() {
        CharacterEscapes htmlSafe = new CharacterEscapes() {
            private final int[] escapes;

            {
                escapes = CharacterEscapes.standardAsciiEscapesForJSON();
                escapes['<'] = CharacterEscapes.ESCAPE_STANDARD;
            }

            @Override
            public int[] getEscapeCodesForAscii() {
                return escapes;
            }

            @Override
            public SerializableString getEscapeSequence(int ch) {
                return null;
            }
        };
        JsonMapper escaping = StashJson.forValues(new JsonMapper(JsonFactory.builder().characterEscapes(htmlSafe).build()));
        assertThat(of(escaping).write("a<b")).isNull();
        assertThat(of(escaping).write("ab")).as("the probes find the escape in any string").isNull();
        assertThat(new ValueCodec(settings(escaping)).json("a<b")).isEqualTo("\"a\\u003Cb\"".getBytes());
    }

    @Test
    void leavesTheWritingToAMapperThatWrapsRootValues() {
        JsonMapper wrapping = StashJson.forValues(JsonMapper.builder().enable(SerializationFeature.WRAP_ROOT_VALUE).build());
        assertThat(of(wrapping).write(true)).isNull();
    }

    @Test
    void leavesTheWritingAndReadingToAMapperThatFormatsIntegersAsStrings() {
        JsonMapper shaped = StashJson.forValues(JsonMapper.builder()
                .withConfigOverride(Integer.class, o -> o.setFormat(JsonFormat.Value.forShape(JsonFormat.Shape.STRING)))
                .build());
        ScalarValues values = of(shaped);
        assertThat(values.write(5)).isNull();
        assertThat(values.read(node("5"), int.class)).isNull();
    }

    @Test
    void leavesTheWritingToAMapperWithAnApplicationsModule() {
        SimpleModule module = new SimpleModule("integers");
        module.addSerializer(Integer.class, new ValueSerializer<Integer>() {
            @Override
            public void serialize(Integer value, JsonGenerator gen, SerializationContext ctxt) {
                if (value > 1000) { // only some values: the probes do not see it
                    gen.writeString("big");
                } else {
                    gen.writeNumber(value);
                }
            }
        });
        JsonMapper withModule = StashJson.forValues(JsonMapper.builder().addModule(module).build());
        assertThat(of(withModule).write(5)).isNull();
        assertThat(new ValueCodec(settings(withModule)).json(5000)).isEqualTo("\"big\"".getBytes());
    }

    @Test
    void aCodecOnTheDefaultMapperStoresTheMappersTreesAndReadsItsValues() {
        ValueCodec codec = new ValueCodec(StashSettings.builder().secret(SECRET).build());
        ViewDefinition view = ViewDefinition.builder("v").key("n", int.class).key("s", String.class)
                .key("big", long.class).key("flag", boolean.class).build();
        Map<String, Object> values = Map.of("n", 42, "s", "text", "big", 1L << 40, "flag", true);
        SliceDiff diff = codec.encode(view, values, List.of());
        values.forEach((key, value) -> {
            JsonNode expected = mapper.readTree(mapper.writeValueAsBytes(value));
            assertThat(diff.sets().get(key)).as(key).isEqualTo(expected);
            assertThat(diff.sets().get(key).getClass()).as(key).isEqualTo(expected.getClass());
            assertThat(codec.decode(expected, view.key(key).type())).as(key).isEqualTo(value);
        });
    }

    private JsonNode node(String json) {
        return mapper.readTree(json);
    }

    private static StashSettings settings(JsonMapper mapper) {
        return StashSettings.builder().secret(SECRET).jsonMapper(mapper).build();
    }

    private static String randomText(SplittableRandom random) {
        StringBuilder text = new StringBuilder();
        for (int c = random.nextInt(20); c > 0; c--) {
            text.append((char) (random.nextInt(4) == 0 ? random.nextInt(0x3000) : 0x20 + random.nextInt(0x5F)));
        }
        return text.toString();
    }
}
