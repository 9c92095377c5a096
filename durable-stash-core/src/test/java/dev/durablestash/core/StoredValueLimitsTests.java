package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.durablestash.testsupport.ExpectedLogs;

/**
 * Every acknowledged value can be read back inside its session document: a value the document's
 * reader could not read there (nested too deep, a name, string or number too long for it) is
 * refused at stash time naming the key and the limit, and the session's other state survives a
 * restart. And a value that would be recovered as another value (a fraction for an integer type,
 * null for a primitive) is refused at stash time, while stored documents recover as they did.
 */
class StoredValueLimitsTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    static final ViewDefinition COUNTER = ViewDefinition.builder("counter").key("count", int.class).build();
    static final ViewDefinition TREE = ViewDefinition.builder("tree").key("tree", Object.class).build();

    private final MapStorageBackend store = new MapStorageBackend();
    private final String sid = SessionIds.newSid();

    static Object nested(int depth) {
        Object value = 1;
        for (int i = 0; i < depth; i++) {
            value = List.of(value);
        }
        return value;
    }

    static StashSettings.Builder settings(boolean encrypted) {
        return Engines.settings().encryptAtRest(encrypted);
    }

    /** A mapper whose reader accepts more than Jackson's defaults: names, numbers and strings this long. */
    static JsonMapper generousMapper() {
        return new JsonMapper.Builder(JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
                .maxNameLength(200_000).maxNumberLength(5_000).maxStringLength(200_000_000).maxNestingDepth(2_000)
                .build()).build()).build();
    }

    /**
     * Stashes {@code value} for {@code view}'s key {@code key} beside the counter's 42, restarts, and
     * returns what the restarted adapter recovers of it; the counter must have survived.
     */
    private Object stashedAndRecoveredAfterARestart(StashSettings settings, ViewDefinition view, String key,
            Object value) throws Exception {
        try (StashAdapter before = new StashAdapter(store, settings)) {
            await(before.stash(sid, COUNTER, Map.of("count", 42)));
            await(before.stash(sid, view, Map.of(key, value)));
        }
        try (StashAdapter restarted = new StashAdapter(store, settings)) {
            Recovery counter = await(restarted.recover(sid, COUNTER, MountKind.REJOIN));
            assertThat(counter.status()).isEqualTo(RecoveryStatus.RECOVERED);
            assertThat(counter.<Integer>get("count")).isEqualTo(42);
            Recovery recovery = await(restarted.recover(sid, view, MountKind.REJOIN));
            assertThat(recovery.has(key)).as("the acknowledged value of '%s'", key).isTrue();
            return recovery.get(key);
        }
    }

    /** Stashes {@code value}, expecting a refusal at once; then the counter's 42 must survive a restart. */
    private InvalidStashValueException refusedAndNothingLost(StashSettings settings, ViewDefinition view, String key,
            Object value) throws Exception {
        InvalidStashValueException refused;
        try (StashAdapter before = new StashAdapter(store, settings)) {
            await(before.stash(sid, COUNTER, Map.of("count", 42)));
            Throwable thrown = null;
            try {
                before.stash(sid, view, Map.of(key, value));
            } catch (Throwable e) {
                thrown = e;
            }
            assertThat(thrown).as("the stash of '%s'", key).isInstanceOf(InvalidStashValueException.class);
            refused = (InvalidStashValueException) thrown;
        }
        try (StashAdapter restarted = new StashAdapter(store, settings)) {
            assertThat(await(restarted.recover(sid, COUNTER, MountKind.REJOIN)).<Integer>get("count")).isEqualTo(42);
        }
        assertThat(refused.key()).isEqualTo(key);
        assertThat(refused.view()).isEqualTo(view.name());
        return refused;
    }

    // ---- nesting depth ------------------------------------------------------------------------

    /** The document puts a value 4 levels inside it and its reader accepts 500: 496 is the deepest value. */
    @Test
    void theDeepestStoredValueFollowsFromTheDocumentReadersOwnLimit() {
        StreamReadConstraints reader = StashJson.DOCUMENTS.tokenStreamFactory().streamReadConstraints();
        assertThat(reader.getMaxNestingDepth()).isEqualTo(500);
        assertThat(DocumentLimits.DOCUMENTS.maxValueDepth()).isEqualTo(reader.getMaxNestingDepth() - 4).isEqualTo(496);
        assertThat(DocumentLimits.DOCUMENTS.maxNameBytes()).isEqualTo(reader.getMaxNameLength());
        assertThat(DocumentLimits.DOCUMENTS.maxStringLength()).isEqualTo(reader.getMaxStringLength());
        assertThat(DocumentLimits.DOCUMENTS.maxNumberLength()).isEqualTo(reader.getMaxNumberLength());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aValueNestedAsDeepAsTheDocumentAllowsIsRecoveredAfterARestart(boolean encrypted) throws Exception {
        Object deepest = nested(DocumentLimits.DOCUMENTS.maxValueDepth());
        Object recovered = stashedAndRecoveredAfterARestart(settings(encrypted).build(), TREE, "tree", deepest);
        assertThat(deepest.equals(recovered)).as("recovered as stashed").isTrue(); // not printed: too deep
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aValueOneLevelDeeperIsRefusedAtOnceNamingTheKeyItsDepthAndTheLimit(boolean encrypted) throws Exception {
        assertThat(refusedAndNothingLost(settings(encrypted).build(), TREE, "tree", nested(497)))
                .hasMessageContaining("'tree'").hasMessageContaining("497").hasMessageContaining("496");
    }

    /** Deeper than the value mapper writes or reads (500): refused all the same, with the same limit named. */
    @ParameterizedTest
    @ValueSource(ints = {499, 500, 501, 600})
    void deeperValuesAreRefusedAtOnceNamingTheLimitAndNothingIsLoggedAsUnexpected(int depth) throws Exception {
        assertThat(refusedAndNothingLost(settings(false).build(), TREE, "tree", nested(depth)))
                .hasMessageContaining("'tree'").hasMessageContaining("496")
                .hasMessageNotContaining("failed unexpectedly");
    }

    /** An application mapper that reads deeper than the document changes nothing: the document's limit holds. */
    @Test
    void aGenerousApplicationMapperDoesNotLetADeeperValueIn() throws Exception {
        StashSettings settings = Engines.settings().jsonMapper(generousMapper()).build();
        assertThat(refusedAndNothingLost(settings, TREE, "tree", nested(497))).hasMessageContaining("496");
    }

    // ---- names, numbers and strings ----------------------------------------------------------

    /** The document's reader counts a name's UTF-8 bytes, at most 50,000. */
    @Test
    void aMapKeyLongerThanTheDocumentReadsIsRefusedAtOnceEvenWhenTheApplicationsMapperReadsIt() throws Exception {
        StashSettings settings = Engines.settings().jsonMapper(generousMapper()).maxValueBytes(512 * 1024).build();
        assertThat(refusedAndNothingLost(settings, TREE, "tree", Map.of("k".repeat(50_001), 1)))
                .hasMessageContaining("'tree'").hasMessageContaining("50001").hasMessageContaining("50000");
        // 16,667 characters of three UTF-8 bytes each: 50,001 bytes
        assertThat(refusedAndNothingLost(settings, TREE, "tree", Map.of("\u4e00".repeat(16_667), 1)))
                .hasMessageContaining("50001");
    }

    @Test
    void aMapKeyAsLongAsTheDocumentReadsIsRecoveredAfterARestart() throws Exception {
        StashSettings settings = Engines.settings().jsonMapper(generousMapper()).maxValueBytes(512 * 1024).build();
        Map<String, Object> value = Map.of("\u4e00".repeat(16_666) + "kk", 1); // 50,000 bytes
        assertThat(stashedAndRecoveredAfterARestart(settings, TREE, "tree", value)).isEqualTo(value);
    }

    /** The document's reader accepts numbers of 1,000 digits (sign, point and exponent sign not counted). */
    @Test
    void aNumberLongerThanTheDocumentReadsIsRefusedAtOnceEvenWhenTheApplicationsMapperReadsIt() throws Exception {
        StashSettings settings = Engines.settings().jsonMapper(generousMapper()).build();
        ViewDefinition numbers = ViewDefinition.builder("numbers").key("big", BigInteger.class)
                .key("decimal", BigDecimal.class).build();
        assertThat(refusedAndNothingLost(settings, numbers, "big", new BigInteger("-" + "7".repeat(1001))))
                .hasMessageContaining("'big'").hasMessageContaining("1001").hasMessageContaining("1000");
        assertThat(refusedAndNothingLost(settings, numbers, "decimal", new BigDecimal("7." + "7".repeat(1000))))
                .hasMessageContaining("'decimal'").hasMessageContaining("1000");
    }

    @Test
    void numbersAsLongAsTheDocumentReadsAreRecoveredAfterARestart() throws Exception {
        StashSettings settings = Engines.settings().jsonMapper(generousMapper()).build();
        ViewDefinition numbers = ViewDefinition.builder("numbers").key("big", BigInteger.class)
                .key("decimal", BigDecimal.class).build();
        BigInteger big = new BigInteger("-" + "7".repeat(1000));
        assertThat(stashedAndRecoveredAfterARestart(settings, numbers, "big", big)).isEqualTo(big);
        BigDecimal decimal = new BigDecimal("7." + "7".repeat(999));
        assertThat(stashedAndRecoveredAfterARestart(settings, numbers, "decimal", decimal)).isEqualTo(decimal);
    }

    /**
     * The limits are measured on the JSON the document holds: with small limits (the document's own
     * are too large to reach in a test: 100,000,000 characters for a string), each one is applied at
     * its boundary, anywhere in a value.
     */
    @Test
    void eachLimitIsAppliedAtItsBoundaryAnywhereInAValue() {
        DocumentLimits limits = new DocumentLimits(3, 10, 12, 8);
        JsonMapper m = StashJson.DOCUMENTS;
        assertThat(limits.check(m.readTree("[[[1]]]")).problem()).isNull();
        assertThat(limits.check(m.readTree("{\"a\":[{\"b\":1}]}")).problem()).isNull();
        assertThat(limits.check(m.readTree("[[[[1]]]]")).problem()).contains("4 levels").contains("more than the 3");
        assertThat(limits.check(m.readTree("[1,{\"a\":[{}]}]")).problem()).contains("4 levels");
        assertThat(limits.check(m.readTree("\"0123456789\"")).problem()).isNull();
        assertThat(limits.check(m.readTree("[\"01234567890\"]")).problem()).contains("11 characters")
                .contains("10");
        assertThat(limits.check(m.readTree("{\"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\":1}")).problem()).isNull();
        assertThat(limits.check(m.readTree("{\"x\":{\"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9a\":1}}")).problem())
                .contains("13 bytes").contains("12");
        assertThat(limits.check(m.readTree("[-12345678]")).problem()).isNull();
        assertThat(limits.check(m.readTree("{\"n\":123456789}")).problem()).contains("9 digits").contains("8");
        assertThat(limits.check(m.readTree("1234.5678")).problem()).isNull();
        assertThat(limits.check(m.readTree("1234.56789")).problem()).contains("9 digits");
        // 1234e-9 is written 0.000001234 in a document: 10 digits, though the value's JSON has 5
        assertThat(m.writeValueAsString(m.readTree("1234e-9"))).isEqualTo("0.000001234");
        assertThat(limits.check(m.readTree("1234e-9")).problem()).contains("10 digits");
        // 12345678e-20 is written 1.2345678E-13: 8 digits and 2 of the exponent
        assertThat(limits.check(m.readTree("12345678e-20")).problem()).contains("10 digits");
        assertThat(new DocumentLimits(3, 10, 12, 10).check(m.readTree("12345678e-20")).problem()).isNull();
    }

    // ---- values recovered as other values ----------------------------------------------------

    @Test
    void aFractionForAnIntegerTypeIsRefusedAnywhereInTheValue() throws Exception {
        ViewDefinition view = ViewDefinition.builder("ints").key("i", int.class).key("l", Long.class)
                .key("s", short.class).key("b", BigInteger.class)
                .key("list", new TypeReference<List<Integer>>() { }.getType())
                .key("map", new TypeReference<Map<String, Integer>>() { }.getType()).build();
        Map<String, Object> fractions = new LinkedHashMap<>();
        fractions.put("i", 1.5);
        fractions.put("l", new BigDecimal("7.000000000000000000001"));
        fractions.put("s", -0.5f);
        fractions.put("b", 1e-3);
        fractions.put("list", List.of(1, 2.5));
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("whole", 5.0); // comes first and is fine: the fraction after it is still found
        map.put("half", 2.5);
        fractions.put("map", map);
        try (StashAdapter stash = new StashAdapter(store, Engines.settings().build())) {
            for (Map.Entry<String, Object> fraction : fractions.entrySet()) {
                assertThatThrownBy(() -> stash.stash(sid, view, Map.of(fraction.getKey(), fraction.getValue())))
                        .as(fraction.getKey()).isInstanceOf(InvalidStashValueException.class)
                        .hasMessageContaining("'" + fraction.getKey() + "'").hasMessageContaining("fraction");
            }
            assertThat(store.size()).isZero();
        }
    }

    /** Whole numbers written as decimals recover as the same number: kept (5.0 for an int is 5). */
    @Test
    void aWholeNumberWrittenAsADecimalIsStillAcceptedForAnIntegerType() throws Exception {
        ViewDefinition view = ViewDefinition.builder("ints").key("i", int.class).key("b", BigInteger.class)
                .key("map", new TypeReference<Map<String, Integer>>() { }.getType())
                .key("d", double.class).key("o", Object.class).key("n", BigDecimal.class).build();
        Map<String, Object> values = new HashMap<>();
        values.put("i", 5.0);
        values.put("b", new BigDecimal("1E+30"));
        values.put("map", Map.of("a", 5.0, "b", 2));
        values.put("d", 1.5);
        values.put("o", 1.5);
        values.put("n", new BigDecimal("1.50"));
        try (StashAdapter stash = new StashAdapter(store, Engines.settings().build())) {
            await(stash.stash(sid, view, values));
            Recovery recovery = await(stash.recover(sid, view, MountKind.REJOIN));
            assertThat(recovery.<Integer>get("i")).isEqualTo(5);
            assertThat(recovery.<BigInteger>get("b")).isEqualTo(BigInteger.TEN.pow(30));
            assertThat(recovery.<Map<String, Integer>>get("map")).isEqualTo(Map.of("a", 5, "b", 2));
            assertThat(recovery.<Double>get("d")).isEqualTo(1.5);
            assertThat(recovery.<Object>get("o")).isEqualTo(1.5);
            assertThat(recovery.<BigDecimal>get("n")).isEqualTo(new BigDecimal("1.50"));
        }
    }

    /** Strict at stash time only: a document stored before with 1.5 for an int key recovers as it did. */
    @Test
    void aFractionStoredBeforeForAnIntegerTypeStillRecoversAsBefore() throws Exception {
        try (StashAdapter stash = new StashAdapter(store, Engines.settings().build())) {
            await(stash.stash(sid, COUNTER, Map.of("count", 1)));
        }
        String key = store.keys().iterator().next();
        String stored = new String(store.read(key).orElseThrow(), StandardCharsets.UTF_8);
        assertThat(stored).contains("\"count\":1}");
        store.write(key, stored.replace("\"count\":1}", "\"count\":1.5}").getBytes(StandardCharsets.UTF_8));
        try (StashAdapter restarted = new StashAdapter(store, Engines.settings().build())) {
            assertThat(await(restarted.recover(sid, COUNTER, MountKind.REJOIN)).<Integer>get("count")).isEqualTo(1);
        }
    }

    @Test
    void nullForAPrimitiveKeyIsRefusedNamingTheKeyAndTheStoredValueIsKept() throws Exception {
        ViewDefinition view = ViewDefinition.builder("v").key("count", int.class).key("boxed", Integer.class).build();
        try (StashAdapter stash = new StashAdapter(store, Engines.settings().build())) {
            await(stash.stash(sid, view, Map.of("count", 7, "boxed", 8)));
            Map<String, Object> nulls = new HashMap<>();
            nulls.put("count", null);
            assertThatThrownBy(() -> stash.stash(sid, view, nulls)).isInstanceOf(InvalidStashValueException.class)
                    .hasMessageContaining("'count'").hasMessageContaining("null").hasMessageContaining("int");
            Map<String, Object> boxed = new HashMap<>();
            boxed.put("boxed", null);
            await(stash.stash(sid, view, boxed));
            Recovery recovery = await(stash.recover(sid, view, MountKind.REJOIN));
            assertThat(recovery.<Integer>get("count")).isEqualTo(7);
            assertThat(recovery.has("boxed")).isTrue();
            assertThat(recovery.<Integer>get("boxed")).isNull();
        }
    }

    @Test
    void underTheLogPolicyARefusedValueIsSkippedWithAWarningAndTheOthersAreStored() throws Exception {
        logs.expect(Level.WARN, "cannot stash key 'count'").expect(Level.WARN, "cannot stash key 'tree'");
        ViewDefinition view = ViewDefinition.builder("v").key("count", int.class).key("tree", Object.class)
                .key("name", String.class).build();
        StashSettings settings = Engines.settings().invalidValuePolicy(InvalidValuePolicy.LOG).build();
        try (StashAdapter stash = new StashAdapter(store, settings)) {
            Map<String, Object> values = new HashMap<>();
            values.put("count", null);
            values.put("tree", nested(497));
            values.put("name", "kept");
            await(stash.stash(sid, view, values));
            // the key set alone: AssertJ would take ages to print a value nested 497 deep
            assertThat(List.copyOf(await(stash.recover(sid, view, MountKind.REJOIN)).values().keySet()))
                    .containsExactly("name");
        }
    }
}
