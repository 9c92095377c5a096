package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import ch.qos.logback.classic.Level;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import dev.durablestash.testsupport.ExpectedLogs;

/**
 * Where a key's declared type leaves a position untyped ({@code Object}, {@code Map<String, Object>},
 * {@code List<?>}...), Jackson reads the stored JSON untyped: a value there that would come back as
 * another value or of another class (a {@code BigDecimal} as a {@code Double}, a {@code Long} that fits
 * an int as an {@code Integer}, a record as a map) is refused at stash time naming the view, the key,
 * where the value sits and what to declare; the values that do come back as they were keep working.
 */
class UntypedValuesTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    private static Type type(TypeReference<?> reference) {
        return reference.getType();
    }

    static final ViewDefinition FORM = ViewDefinition.builder("form")
            .key("attrs", type(new TypeReference<Map<String, Object>>() { }))
            .key("anything", Object.class)
            .key("items", type(new TypeReference<List<?>>() { }))
            .key("raw", Map.class)
            .key("lines", type(new TypeReference<List<Line>>() { }))
            .key("maybe", type(new TypeReference<Optional<Object>>() { }))
            .key("amount", Number.class)
            .key("money", type(new TypeReference<Map<String, BigDecimal>>() { }))
            .key("byId", type(new TypeReference<Map<Object, String>>() { }))
            .key("tags", type(new TypeReference<Set<Object>>() { }))
            .key("box", type(new TypeReference<Box<Set<String>>>() { }))
            .build();

    /** A typed record with an untyped field. */
    record Line(String name, @Nullable Object extra) {
    }

    /** A generic record: its type argument types {@code value}. */
    record Box<T>(T value, @Nullable Object extra) {
    }

    record Point(int x, int y) {
    }

    enum Colour { RED }

    private final MapStorageBackend store = new MapStorageBackend();
    private final String sid = SessionIds.newSid();

    private static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private void assertRefused(StashAdapter adapter, String key, @Nullable Object value, String... fragments) {
        Map<String, @Nullable Object> changed = new HashMap<>();
        changed.put(key, value);
        assertThatThrownBy(() -> await(adapter.stash(sid, FORM, changed)))
                .as("%s = %s", key, value).isInstanceOf(InvalidStashValueException.class)
                .hasMessageContaining("cannot stash key '" + key + "' of view 'form'")
                .hasMessageContaining("leaves untyped").hasMessageContaining("declare the key's type")
                .hasMessageContaining(fragments.length == 0 ? "" : fragments[0])
                .satisfies(e -> {
                    for (String fragment : fragments) {
                        assertThat(e.getMessage()).contains(fragment);
                    }
                });
    }

    @Test
    void aBigDecimalInAMapOfStringToObjectIsRefusedAtStashTimeRatherThanRecoveredAsADouble() {
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().build())) {
            assertRefused(adapter, "attrs", map("n", 5_000_000_000L, "d", new BigDecimal("1.10")),
                    "the value at /d is a java.math.BigDecimal (1.10)", "recovered as a java.lang.Double (1.1)",
                    "Map<String, BigDecimal>");
        }
        assertThat(store.keys()).as("nothing written").isEmpty();
    }

    @Test
    void aLongThatFitsAnIntInAnUntypedPositionIsRefusedSayingWhy() {
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().build())) {
            assertRefused(adapter, "anything", new ArrayList<>(List.of(1L, 2L)),
                    "the value at /0 is a java.lang.Long (1)", "recovered as a java.lang.Integer (1)",
                    "an untyped integer that fits an int is read as an Integer");
            assertRefused(adapter, "items", List.of(List.of(7L)), "/0/0");
            assertRefused(adapter, "raw", Map.of("n", 3L), "/n");
        }
    }

    @Test
    void otherValuesThatChangeClassInAnUntypedPositionAreRefused() {
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().build())) {
            assertRefused(adapter, "attrs", map("p", new Point(1, 2)), "/p is a " + Point.class.getName(),
                    "recovered as a java.util.LinkedHashMap");
            assertRefused(adapter, "anything", new Point(1, 2), "the value is a " + Point.class.getName());
            assertRefused(adapter, "attrs", map("f", 0.5f), "java.lang.Float (0.5)", "java.lang.Double (0.5)");
            assertRefused(adapter, "attrs", map("s", (short) 3), "java.lang.Short");
            assertRefused(adapter, "attrs", map("b", (byte) 3), "java.lang.Byte");
            assertRefused(adapter, "attrs", map("c", 'x'), "java.lang.Character");
            assertRefused(adapter, "attrs", map("e", Colour.RED), Colour.class.getName(), "java.lang.String");
            assertRefused(adapter, "attrs", map("day", LocalDate.of(2026, 12, 7)), "java.time.LocalDate");
            assertRefused(adapter, "attrs", map("o", Optional.of("x")), "java.util.Optional");
            assertRefused(adapter, "attrs", map("set", Set.of("a")), "recovered as a java.util.ArrayList");
            assertRefused(adapter, "attrs", map("array", new String[] {"a"}), "recovered as a java.util.ArrayList");
            assertRefused(adapter, "attrs", map("nested", Map.of(1, "a")), "a map key of type java.lang.Integer");
            assertRefused(adapter, "attrs", map("small", BigInteger.ONE), "java.math.BigInteger (1)");
            assertRefused(adapter, "amount", new BigDecimal("2.50"), "java.math.BigDecimal (2.50)");
            assertRefused(adapter, "amount", 4L, "java.lang.Long (4)");
            assertRefused(adapter, "maybe", Optional.of(5L), "java.lang.Long (5)");
            assertRefused(adapter, "lines", List.of(new Line("a", "fine"), new Line("b", 9L)), "/1/extra");
            assertRefused(adapter, "byId", Map.of(3, "c"), "a map key of type java.lang.Integer", "Map<Integer");
            assertRefused(adapter, "tags", Set.of(1L), "not read back as an equal element");
            assertRefused(adapter, "box", new Box<>(Set.of("a"), 2L), "/extra");
        }
    }

    @Test
    void valuesThatComeBackAsTheyWereInLossyPositionsAreStashedAndRecoveredUnchanged() throws Exception {
        Map<String, Object> attrs = map("s", "text", "i", 42, "l", 5_000_000_000L, "big",
                new BigInteger("123456789012345678901234567890"), "d", 1.1, "whole", 2.0, "t", true, "nothing", null,
                "nested", new HashMap<>(Map.of("list", List.of(1, "two", List.of()), "map", new TreeMap<>(Map.of(
                        "k", false)))), "empty", Map.of());
        Map<String, Object> values = new HashMap<>();
        values.put("attrs", attrs);
        values.put("anything", Arrays.asList("a", null, -3));
        values.put("items", List.of(Map.of("x", 1)));
        values.put("raw", Map.of("k", List.of("v")));
        values.put("lines", List.of(new Line("a", Map.of("q", 1)), new Line("b", null)));
        values.put("maybe", Optional.of("x"));
        values.put("amount", 7);
        values.put("money", Map.of("eur", new BigDecimal("1.10")));
        values.put("byId", Map.of("3", "c"));
        values.put("tags", Set.of("a", 1));
        values.put("box", new Box<>(Set.of("a", "b"), "x"));
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().build())) {
            await(adapter.stash(sid, FORM, values));
        }
        try (StashAdapter restarted = new StashAdapter(store, Engines.settings().build())) {
            Recovery recovery = await(restarted.recover(sid, FORM, MountKind.REJOIN));
            assertThat(recovery.values()).isEqualTo(values);
            Map<String, Object> back = recovery.get("attrs");
            assertThat(back.get("l")).isInstanceOf(Long.class);
            assertThat(back.get("big")).isInstanceOf(BigInteger.class);
            assertThat(back.get("d")).isInstanceOf(Double.class);
            assertThat(recovery.<Map<String, BigDecimal>>get("money").get("eur")).hasToString("1.10");
        }
    }

    @Test
    void aBigDecimalInAnUntypedPositionIsAcceptedWhenTheMapperReadsFractionsAsBigDecimals() throws Exception {
        JsonMapper bigDecimals = JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
        StashSettings settings = Engines.settings().jsonMapper(bigDecimals).build();
        try (StashAdapter adapter = new StashAdapter(store, settings)) {
            await(adapter.stash(sid, FORM, Map.of("attrs", map("d", new BigDecimal("1.10")))));
            assertThat(await(adapter.recover(sid, FORM, MountKind.REJOIN)).<Map<String, Object>>get("attrs"))
                    .containsEntry("d", new BigDecimal("1.10"));
            assertRefused(adapter, "attrs", map("d", 1.5), "java.lang.Double (1.5)", "java.math.BigDecimal (1.5)");
        }
    }

    /** A value recovery gave is never refused when stashed again unchanged, whatever the application's mapper. */
    @Test
    void aRecoveredValueHoldingArraysIsStashedAgainWhenTheMapperReadsJsonArraysAsJavaArrays() throws Exception {
        JsonMapper arrays = JsonMapper.builder().enable(DeserializationFeature.USE_JAVA_ARRAY_FOR_JSON_ARRAY).build();
        try (StashAdapter plain = new StashAdapter(store, Engines.settings().build())) {
            await(plain.stash(sid, FORM, Map.of("attrs", map("tags", List.of("a", List.of("b", 1))))));
        }
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().jsonMapper(arrays).build())) {
            Map<String, Object> recovered = await(adapter.recover(sid, FORM, MountKind.REJOIN)).get("attrs");
            assertThat(recovered.get("tags")).isInstanceOf(Object[].class);

            await(adapter.stash(sid, FORM, Map.of("attrs", recovered)));

            assertRefused(adapter, "attrs", map("tags", new Object[] {new BigDecimal("1.10")}), "/tags/0");
        }
        try (StashAdapter plain = new StashAdapter(store, Engines.settings().build())) {
            await(plain.stash(sid, FORM, Map.of("tags", Set.of(List.of("a", 1)))));
        }
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().jsonMapper(arrays).build())) {
            Object recovered = await(adapter.recover(sid, FORM, MountKind.REJOIN)).get("tags");
            assertThat((Set<?>) recovered).singleElement().isInstanceOf(Object[].class);

            await(adapter.stash(sid, FORM, Map.of("tags", recovered))); // a set of untyped elements, holding an array

            assertRefused(adapter, "attrs", map("tags", new int[] {1}), "/tags", "[I");
        }
    }

    @Test
    void anUntypedValueThatWouldChangeIsSkippedWithAWarningUnderTheLogPolicyAndTheOtherKeysStashed() throws Exception {
        logs.expect(Level.WARN, "cannot stash key 'attrs' of view 'form': the value at /d is a java.math.BigDecimal");
        StashSettings settings = Engines.settings().invalidValuePolicy(InvalidValuePolicy.LOG).build();
        try (StashAdapter adapter = new StashAdapter(store, settings)) {
            await(adapter.stash(sid, FORM, Map.of("attrs", map("d", new BigDecimal("1.10")), "amount", 3)));
            assertThat(await(adapter.recover(sid, FORM, MountKind.REJOIN)).values())
                    .containsOnly(Map.entry("amount", 3));
        }
    }
}
