package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import ch.qos.logback.classic.Level;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.annotation.JsonSerialize;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.ser.std.StdSerializer;

import dev.durablestash.testsupport.ExpectedLogs;

class ValueCodecTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.of(ValueCodec.class);

    private static final String SECRET = "x".repeat(32);

    private final ValueCodec codec = new ValueCodec(StashSettings.builder().secret(SECRET).build());

    // ---- fixtures ----------------------------------------------------------------------------

    enum Color { RED, GREEN, BLUE }

    record Address(String city, int zip) {
    }

    record Person(String name, Address address, List<String> tags, Color favourite) {
    }

    record Outer(Person person, @Nullable Address second, Map<String, Address> byName) {
    }

    /** Holds fields whose generic types declare stored keys, as a controller's fields would. */
    @SuppressWarnings("unused")
    static final class Fields {
        List<Map<String, Integer>> listOfMaps;
        Set<String> strings;
        Set<Color> colors;
        Optional<String> maybe;
        Map<String, List<Person>> people;
        Map<String, Object> untyped;
    }

    private static Type fieldType(String name) {
        try {
            return Fields.class.getDeclaredField(name).getGenericType();
        } catch (NoSuchFieldException e) {
            throw new AssertionError(e);
        }
    }

    private static ViewDefinition view(Type type) {
        return ViewDefinition.builder("test-view").key("v", type).build();
    }

    /**
     * Encodes the value as a stash would, stores it in a session document, turns the document into
     * bytes and back (as storage would), then decodes the stored node into the declared type.
     */
    private @Nullable Object roundTrip(@Nullable Object value, Type type) {
        ViewDefinition view = view(type);
        Map<String, @Nullable Object> changed = new HashMap<>();
        changed.put("v", value);
        SliceDiff diff = codec.encode(view, changed, List.of());
        assertThat(diff.sets()).containsOnlyKeys("v");
        byte[] stored = SessionDocument.empty().apply(diff).toBytes();
        SessionDocument.Slice slice = SessionDocument.parse(stored).slice("test-view");
        assertThat(slice).isNotNull();
        JsonNode node = slice.data().get("v");
        assertThat(node).isNotNull();
        return codec.decode(node, type);
    }

    // ---- round trips -------------------------------------------------------------------------

    @Test
    void primitivesAndTheirBoxesRoundTrip() {
        assertThat(roundTrip(42, int.class)).isEqualTo(42);
        assertThat(roundTrip(Integer.MIN_VALUE, Integer.class)).isEqualTo(Integer.MIN_VALUE);
        assertThat(roundTrip(Long.MAX_VALUE, long.class)).isEqualTo(Long.MAX_VALUE);
        assertThat(roundTrip(Long.MIN_VALUE, Long.class)).isEqualTo(Long.MIN_VALUE);
        assertThat(roundTrip(0.1d, double.class)).isEqualTo(0.1d);
        assertThat(roundTrip(-1.5e300, Double.class)).isEqualTo(-1.5e300);
        assertThat(roundTrip(3.25f, float.class)).isEqualTo(3.25f);
        assertThat(roundTrip(true, boolean.class)).isEqualTo(true);
        assertThat(roundTrip(false, Boolean.class)).isEqualTo(false);
        assertThat(roundTrip((short) -7, short.class)).isEqualTo((short) -7);
        assertThat(roundTrip((byte) 12, Byte.class)).isEqualTo((byte) 12);
        assertThat(roundTrip('q', char.class)).isEqualTo('q');
    }

    @Test
    void stringsWithUnicodeAndEscapesRoundTrip() {
        String text = "Grüße, 日本語, emoji 👋🏽, \"quotes\", back\\slash, tab\t, newline\n, nul\u0000, bidi \u202e";
        assertThat(roundTrip(text, String.class)).isEqualTo(text);
        assertThat(roundTrip("", String.class)).isEqualTo("");
    }

    @Test
    void nullRoundTripsAsNull() {
        assertThat(roundTrip(null, String.class)).isNull();
        assertThat(roundTrip(null, Integer.class)).isNull();
        assertThat(roundTrip(null, Person.class)).isNull();
        assertThat(roundTrip(null, fieldType("listOfMaps"))).isNull();
    }

    @Test
    void nullIsStoredAsAJsonNullNotAsAnAbsentKey() {
        Map<String, @Nullable Object> changed = new HashMap<>();
        changed.put("v", null);
        SliceDiff diff = codec.encode(view(String.class), changed, List.of());
        assertThat(diff.sets()).containsKey("v");
        assertThat(diff.sets().get("v").isNull()).isTrue();
    }

    @Test
    void genericListOfMapsRoundTripsThroughAFieldsGenericType() {
        List<Map<String, Integer>> value = List.of(Map.of("a", 1, "b", 2), Map.of(), Map.of("c", -3));
        Object back = roundTrip(value, fieldType("listOfMaps"));
        assertThat(back).isEqualTo(value);
        // The element types are the declared ones, not whatever Jackson picks for Object.
        @SuppressWarnings("unchecked")
        List<Map<String, Integer>> list = (List<Map<String, Integer>>) back;
        assertThat(list.get(0).get("a")).isInstanceOf(Integer.class);
    }

    @Test
    void nestedRecordsRoundTrip() {
        Person ada = new Person("Ada", new Address("London", 12345), List.of("math", "engines"), Color.GREEN);
        Outer outer = new Outer(ada, null, Map.of("home", new Address("Paris", 75001)));
        assertThat(roundTrip(ada, Person.class)).isEqualTo(ada);
        assertThat(roundTrip(outer, Outer.class)).isEqualTo(outer);
        Map<String, List<Person>> people = Map.of("team", List.of(ada, ada));
        assertThat(roundTrip(people, fieldType("people"))).isEqualTo(people);
    }

    @Test
    void enumsRoundTrip() {
        assertThat(roundTrip(Color.BLUE, Color.class)).isEqualTo(Color.BLUE);
        assertThat(roundTrip(Set.of(Color.RED, Color.BLUE), fieldType("colors")))
                .isEqualTo(Set.of(Color.RED, Color.BLUE));
    }

    @Test
    void setsRoundTrip() {
        Set<String> value = Set.of("a", "b", "ü");
        Object back = roundTrip(value, fieldType("strings"));
        assertThat(back).isInstanceOf(Set.class).isEqualTo(value);
        assertThat(roundTrip(Set.of(), fieldType("strings"))).isEqualTo(Set.of());
    }

    @Test
    void optionalRoundTripsPresentAndEmpty() {
        assertThat(roundTrip(Optional.of("here"), fieldType("maybe"))).isEqualTo(Optional.of("here"));
        assertThat(roundTrip(Optional.empty(), fieldType("maybe"))).isEqualTo(Optional.empty());
    }

    @Test
    void javaTimeValuesRoundTripEqual() {
        Instant instant = Instant.parse("2026-11-26T10:15:30.123456789Z");
        LocalDate date = LocalDate.of(2026, 2, 28);
        Duration duration = Duration.ofHours(49).plusMillis(7);
        assertThat(roundTrip(instant, Instant.class)).isEqualTo(instant);
        assertThat(roundTrip(date, LocalDate.class)).isEqualTo(date);
        assertThat(roundTrip(duration, Duration.class)).isEqualTo(duration);
    }

    @Test
    void javaTimeValuesAreStoredAsIsoStrings() {
        SliceDiff diff = codec.encode(
                ViewDefinition.builder("t").key("i", Instant.class).key("d", LocalDate.class).key("p", Duration.class).build(),
                Map.of("i", Instant.parse("2026-11-26T10:15:30Z"), "d", LocalDate.of(2026, 2, 28), "p", Duration.ofMinutes(90)),
                List.of());
        assertThat(diff.sets().get("i").isString()).isTrue();
        assertThat(diff.sets().get("i").asString()).isEqualTo("2026-11-26T10:15:30Z");
        assertThat(diff.sets().get("d").asString()).isEqualTo("2026-02-28");
        assertThat(diff.sets().get("p").asString()).isEqualTo("PT1H30M");
    }

    @Test
    void zonedDateTimeRoundTripsEqualWithItsZone() {
        ZonedDateTime paris = ZonedDateTime.of(2026, 7, 14, 9, 30, 0, 0, ZoneId.of("Europe/Paris"));
        ZonedDateTime utc = ZonedDateTime.of(2026, 1, 2, 3, 4, 5, 6_000, ZoneId.of("UTC"));
        assertThat(roundTrip(paris, ZonedDateTime.class)).isEqualTo(paris);
        ZonedDateTime fixedOffset = ZonedDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.ofHours(-3));
        assertThat(roundTrip(utc, ZonedDateTime.class)).isEqualTo(utc);
        assertThat(roundTrip(fixedOffset, ZonedDateTime.class)).isEqualTo(fixedOffset);
    }

    @Test
    void otherJavaTimeValuesRoundTripEqual() {
        OffsetDateTime offset = OffsetDateTime.of(2026, 3, 29, 1, 59, 59, 999, ZoneOffset.ofHoursMinutes(5, 30));
        LocalDateTime local = LocalDateTime.of(2026, 10, 25, 2, 30);
        LocalTime time = LocalTime.of(23, 59, 1);
        assertThat(roundTrip(offset, OffsetDateTime.class)).isEqualTo(offset);
        assertThat(roundTrip(local, LocalDateTime.class)).isEqualTo(local);
        assertThat(roundTrip(time, LocalTime.class)).isEqualTo(time);
    }

    @Test
    void bigDecimalRoundTripsWithoutLosingPrecisionOrScale() {
        BigDecimal precise = new BigDecimal("12345678901234567890.123456789012345678901");
        BigDecimal scaled = new BigDecimal("1.50");
        assertThat(roundTrip(precise, BigDecimal.class)).isEqualTo(precise);
        assertThat(roundTrip(scaled, BigDecimal.class)).isEqualTo(scaled);
        BigInteger huge = new BigInteger("123456789012345678901234567890");
        assertThat(roundTrip(huge, BigInteger.class)).isEqualTo(huge);
    }

    @Test
    void untypedNumbersComeBackAsJsonTextWouldGiveThem() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("half", 1.5d);
        value.put("whole", 3.0d);
        value.put("int", 7);
        value.put("long", 1L << 40);
        value.put("text", "x");
        value.put("list", List.of(0.1d, 2));
        Object back = roundTrip(value, fieldType("untyped"));
        assertThat(back).isEqualTo(value);
        assertThat(((Map<?, ?>) back).get("half")).isInstanceOf(Double.class);
        assertThat(roundTrip(0.25d, Object.class)).isEqualTo(0.25d);
    }

    @Test
    void nonFiniteDoublesRoundTrip() {
        assertThat(roundTrip(Double.NaN, double.class)).isEqualTo(Double.NaN);
        assertThat(roundTrip(Double.NEGATIVE_INFINITY, Double.class)).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void byteArraysRoundTrip() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        assertThat((byte[]) roundTrip(bytes, byte[].class)).isEqualTo(bytes);
        assertThat((byte[]) roundTrip(new byte[0], byte[].class)).isEmpty();
    }

    // ---- values JSON cannot represent ---------------------------------------------------------

    /** A value whose only reference points back to itself. */
    static final class Loop {
        public @Nullable Loop next;
    }

    @Test
    void anObjectWithoutPropertiesFailsNamingViewAndKey() {
        assertInvalid(new Object());
    }

    @Test
    void aSelfReferencingBeanFailsNamingViewAndKey() {
        Loop loop = new Loop();
        loop.next = loop;
        assertInvalid(loop);
    }

    @Test
    void anIndirectCycleFailsNamingViewAndKey() {
        Loop a = new Loop();
        Loop b = new Loop();
        a.next = b;
        b.next = a;
        assertInvalid(a);
    }

    @Test
    void aListContainingItselfFailsNamingViewAndKey() {
        List<Object> list = new ArrayList<>();
        list.add(list);
        assertInvalid(list);
    }

    @Test
    void aLambdaFailsNamingViewAndKey() {
        Supplier<String> lambda = () -> "hi";
        assertInvalid(lambda);
    }

    /** A value whose serializer fails with an exception that is not Jackson's own. */
    @JsonSerialize(using = FailingSerializer.class)
    record Failing(String text) {
    }

    static final class FailingSerializer extends StdSerializer<Failing> {
        FailingSerializer() {
            super(Failing.class);
        }

        @Override
        public void serialize(Failing value, JsonGenerator gen, SerializationContext context) {
            throw new IllegalStateException("cannot write " + value.text());
        }
    }

    @Test
    void aValueWhoseSerializerThrowsSomethingElseFailsNamingViewAndKey() {
        assertInvalid(new Failing("x"));
        assertThat(codec.json(new Failing("x"))).as("the JSON change detection compares").isNull();
    }

    @Test
    void withTheLogPolicyAValueWhoseSerializerThrowsIsSkipped() {
        logs.expect(Level.WARN, "cannot stash key 'bad' of view 'form'");
        ValueCodec lenient = new ValueCodec(StashSettings.builder().secret(SECRET)
                .invalidValuePolicy(InvalidValuePolicy.LOG).build());
        ViewDefinition view = ViewDefinition.builder("form").key("name", String.class).key("bad", Object.class).build();
        SliceDiff diff = lenient.encode(view, Map.of("name", "Ada", "bad", new Failing("x")), List.of());
        assertThat(diff.sets()).containsOnlyKeys("name");
    }

    record Marker() {
    }

    @Test
    void anEmptyRecordIsStillAValue() {
        assertThat(roundTrip(new Marker(), Marker.class)).isEqualTo(new Marker());
    }

    static class NoVisibleProperties {
        private int count = 1;
    }

    @Test
    void anObjectWithoutVisiblePropertiesFailsSayingWhatToDoInsteadOfJacksonsAdviceToAllowEmptyBeans() {
        ViewDefinition view = ViewDefinition.builder("checkout").key("cart", Object.class).build();
        assertThatThrownBy(() -> codec.encode(view, Map.of("cart", new NoVisibleProperties()), List.of()))
                .isInstanceOf(InvalidStashValueException.class)
                .hasMessageContaining(NoVisibleProperties.class.getName())
                .hasMessageContaining("give the class properties Jackson can see")
                .hasMessageContaining("Disabling that feature does not help");
    }

    @Test
    void anObjectWithoutPropertiesFailsEvenWithAMapperThatAllowsEmptyBeans() {
        ValueCodec custom = new ValueCodec(StashSettings.builder().secret(SECRET)
                .jsonMapper(JsonMapper.builder().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS).build()).build());
        ViewDefinition view = ViewDefinition.builder("checkout").key("cart", Object.class).build();
        assertThatThrownBy(() -> custom.encode(view, Map.of("cart", new Object()), List.of()))
                .isInstanceOf(InvalidStashValueException.class)
                .hasMessageContaining("'cart'");
    }

    private void assertInvalid(Object value) {
        ViewDefinition view = ViewDefinition.builder("checkout").key("cart", Object.class).build();
        assertThatThrownBy(() -> codec.encode(view, Map.of("cart", value), List.of()))
                .isInstanceOfSatisfying(InvalidStashValueException.class, e -> {
                    assertThat(e.view()).isEqualTo("checkout");
                    assertThat(e.key()).isEqualTo("cart");
                })
                .hasMessageContaining("'checkout'")
                .hasMessageContaining("'cart'");
    }

    @Test
    void anUndeclaredKeyFailsNamingTheDeclaredKeys() {
        ViewDefinition view = ViewDefinition.builder("counter").key("count", int.class).key("label", String.class).build();
        assertThatThrownBy(() -> codec.encode(view, Map.of("cuont", 1), List.of()))
                .isInstanceOfSatisfying(InvalidStashValueException.class, e -> {
                    assertThat(e.view()).isEqualTo("counter");
                    assertThat(e.key()).isEqualTo("cuont");
                })
                .hasMessageContaining("'counter'")
                .hasMessageContaining("'cuont'")
                .hasMessageContaining("count")
                .hasMessageContaining("label");
    }

    @Test
    void removingAnUndeclaredKeyFails() {
        ViewDefinition view = ViewDefinition.builder("counter").key("count", int.class).build();
        assertThatThrownBy(() -> codec.encode(view, Map.of(), List.of("nope")))
                .isInstanceOf(InvalidStashValueException.class)
                .hasMessageContaining("'nope'")
                .hasMessageContaining("[count]");
    }

    @Test
    void aValueOverTheSizeLimitFailsNamingTheLimit() {
        ValueCodec small = new ValueCodec(StashSettings.builder().secret(SECRET).maxValueBytes(100).build());
        ViewDefinition view = ViewDefinition.builder("compose").key("draft", String.class).build();
        // 98 characters + 2 quotes = exactly 100 bytes: accepted.
        assertThat(small.encode(view, Map.of("draft", "a".repeat(98)), List.of()).sets()).containsKey("draft");
        assertThatThrownBy(() -> small.encode(view, Map.of("draft", "a".repeat(99)), List.of()))
                .isInstanceOfSatisfying(InvalidStashValueException.class, e -> {
                    assertThat(e.view()).isEqualTo("compose");
                    assertThat(e.key()).isEqualTo("draft");
                })
                .hasMessageContaining("'compose'")
                .hasMessageContaining("'draft'")
                .hasMessageContaining("101 bytes")
                .hasMessageContaining("limit of 100 bytes");
    }

    @Test
    void theSizeLimitCountsUtf8Bytes() {
        ValueCodec small = new ValueCodec(StashSettings.builder().secret(SECRET).maxValueBytes(100).build());
        ViewDefinition view = ViewDefinition.builder("compose").key("draft", String.class).build();
        // 40 three-byte characters are 120 bytes of JSON, though only 42 characters.
        assertThatThrownBy(() -> small.encode(view, Map.of("draft", "日".repeat(40)), List.of()))
                .isInstanceOf(InvalidStashValueException.class)
                .hasMessageContaining("limit of 100 bytes");
    }

    @Test
    void withTheLogPolicyABadValueIsSkippedAndTheOthersKept() {
        logs.expect(Level.WARN, "cannot stash key 'bad' of view 'form'");
        logs.expect(Level.WARN, "cannot stash key 'big' of view 'form'");
        ValueCodec lenient = new ValueCodec(StashSettings.builder().secret(SECRET)
                .invalidValuePolicy(InvalidValuePolicy.LOG).maxValueBytes(50).build());
        ViewDefinition view = ViewDefinition.builder("form")
                .key("name", String.class).key("bad", Object.class).key("big", String.class).key("age", int.class)
                .build();
        Map<String, Object> changed = new LinkedHashMap<>();
        changed.put("name", "Ada");
        changed.put("bad", new Object());
        changed.put("big", "b".repeat(60));
        changed.put("age", 36);
        SliceDiff diff = lenient.encode(view, changed, List.of());
        assertThat(diff.sets()).containsOnlyKeys("name", "age");
        assertThat(diff.sets().get("name").asString()).isEqualTo("Ada");
        assertThat(diff.sets().get("age").asInt()).isEqualTo(36);
    }

    @Test
    void withTheLogPolicyAnUndeclaredKeyStillFails() {
        ValueCodec lenient = new ValueCodec(StashSettings.builder().secret(SECRET)
                .invalidValuePolicy(InvalidValuePolicy.LOG).build());
        ViewDefinition view = ViewDefinition.builder("form").key("name", String.class).build();
        assertThatThrownBy(() -> lenient.encode(view, Map.of("other", "x"), List.of()))
                .isInstanceOf(InvalidStashValueException.class)
                .hasMessageContaining("'other'");
    }

    @Test
    void settingAndRemovingTheSameKeyFails() {
        ViewDefinition view = ViewDefinition.builder("counter").key("count", int.class).build();
        assertThatThrownBy(() -> codec.encode(view, Map.of("count", 1), List.of("count")))
                .isInstanceOfSatisfying(InvalidStashValueException.class, e -> {
                    assertThat(e.view()).isEqualTo("counter");
                    assertThat(e.key()).isEqualTo("count");
                })
                .hasMessageContaining("both set and removed");
    }

    @Test
    void encodeBuildsAMergeDiffForTheViewsVsn() {
        ViewDefinition view = ViewDefinition.builder("counter").vsn(3)
                .key("count", int.class).key("label", String.class).build();
        SliceDiff diff = codec.encode(view, Map.of("count", 7), List.of("label"));
        assertThat(diff.view()).isEqualTo("counter");
        assertThat(diff.vsn()).isEqualTo(3);
        assertThat(diff.mode()).isEqualTo(SliceDiff.Mode.MERGE);
        assertThat(diff.sets()).containsOnlyKeys("count");
        assertThat(diff.removes()).containsExactly("label");
    }

    @Test
    void theEncodedValueIsASnapshotNotAViewOfTheLiveObject() {
        List<String> live = new ArrayList<>(List.of("a"));
        SliceDiff diff = codec.encode(view(fieldType("strings")), Map.of("v", live), List.of());
        live.add("b");
        assertThat(diff.sets().get("v").size()).isEqualTo(1);
    }

    // ---- decoding stored values of the wrong shape --------------------------------------------

    @Test
    void decodingAStoredValueOfTheWrongShapeThrows() {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        assertThatThrownBy(() -> codec.decode(nodes.stringNode("abc"), int.class)).isInstanceOf(JacksonException.class);
        assertThatThrownBy(() -> codec.decode(nodes.stringNode("PURPLE"), Color.class)).isInstanceOf(JacksonException.class);
        assertThatThrownBy(() -> codec.decode(nodes.objectNode().put("x", 1), fieldType("listOfMaps")))
                .isInstanceOf(JacksonException.class);
        assertThatThrownBy(() -> codec.decode(nodes.arrayNode().add(1), Person.class)).isInstanceOf(JacksonException.class);
        assertThatThrownBy(() -> codec.decode(nodes.stringNode("yesterday"), Instant.class))
                .isInstanceOf(JacksonException.class);
    }

    @Test
    void decodingKeepsTheDeclaredElementTypes() {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        JsonNode stored = nodes.arrayNode().add(nodes.objectNode().put("a", 1));
        Object back = codec.decode(stored, fieldType("listOfMaps"));
        assertThat(back).isEqualTo(List.of(Map.of("a", 1)));
        assertThat(back).isInstanceOf(List.class);
    }
}
