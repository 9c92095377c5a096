package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.util.RawValue;

class SessionDocumentTests {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private static final ViewDefinition COUNTER = ViewDefinition.builder("counter")
            .key("count", int.class).key("label", String.class).key("draft", String.class).build();
    private static final ViewDefinition COUNTER_V2 = ViewDefinition.builder("counter").vsn(2)
            .key("count", int.class).key("label", String.class).build();
    private static final ViewDefinition COMPOSE = ViewDefinition.builder("compose").key("draft", String.class).build();

    private static final Instant EXPIRES = Instant.parse("2026-12-03T10:15:30Z");

    private static SessionDocument parse(String json) {
        return SessionDocument.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static SliceDiff set(ViewDefinition view, String key, JsonNode value) {
        return SliceDiff.of(view, Map.of(key, value), Set.of());
    }

    private static SliceDiff remove(ViewDefinition view, String key) {
        return SliceDiff.of(view, Map.of(), Set.of(key));
    }

    /** counter: {count: 3, label: "hi"}, compose: {draft: "Dear"}; expires at {@link #EXPIRES}. */
    private static SessionDocument sample() {
        return SessionDocument.empty()
                .apply(SliceDiff.of(COUNTER, Map.of("count", NODES.numberNode(3), "label", NODES.stringNode("hi")), Set.of()))
                .apply(set(COMPOSE, "draft", NODES.stringNode("Dear")))
                .withExpiry(EXPIRES);
    }

    private static JsonNode tree(SessionDocument document) {
        return MAPPER.readTree(document.toBytes());
    }

    // ---- bytes ---------------------------------------------------------------------------------

    @Test
    void writesTheDocumentedLayout() {
        assertThat(tree(sample())).isEqualTo(MAPPER.readTree("""
                {"format":1,"expiresAt":"2026-12-03T10:15:30Z",
                 "views":{"compose":{"vsn":1,"data":{"draft":"Dear"}},
                          "counter":{"vsn":1,"data":{"count":3,"label":"hi"}}}}
                """));
    }

    /** The document is assembled from cached slice encodings: byte for byte what writing the whole tree gives. */
    @Test
    void assembledBytesAreThoseOfTheWholeTree() {
        ViewDefinition quoted = ViewDefinition.builder("caf\u00e9 \"x\"").key("v", String.class).key("k\t\u00e9/\"", Object.class)
                .key("n", Object.class).key("d", Object.class).key("b", Object.class).key("z", Object.class)
                .key("o", Object.class).key("l", Object.class).build();
        SessionDocument doc = sample()
                .apply(SliceDiff.of(quoted, Map.of(
                        "v", NODES.stringNode("\u00fc\n\"\\ \u0001\u001f\u007f </script> \u2028 \uD83D\uDE00"),
                        "k\t\u00e9/\"", NODES.numberNode(-7L),
                        "n", NODES.numberNode(Long.MAX_VALUE),
                        "d", NODES.numberNode(new BigDecimal("1.50")),
                        "b", NODES.booleanNode(false),
                        "z", NODES.nullNode(),
                        "o", MAPPER.readTree("{\"a\":[1,2.5,\"x\",null,{}],\"e\":1e400}"),
                        "l", NODES.numberNode(1.0e10)), Set.of()))
                .apply(set(COUNTER, "count", NODES.numberNode(4)));
        assertThat(new String(doc.toBytes(), StandardCharsets.UTF_8)).isEqualTo(wholeTree(doc));
        SessionDocument simple = doc.apply(SliceDiff.of(quoted, Map.of("v", NODES.stringNode("\u0000\t\u00ff"),
                "n", NODES.numberNode(Integer.MIN_VALUE), "b", NODES.booleanNode(true)), Set.of("d", "o", "l")));
        assertThat(new String(simple.toBytes(), StandardCharsets.UTF_8)).isEqualTo(wholeTree(simple));
        SessionDocument marker = doc.asMarker();
        assertThat(new String(marker.toBytes(), StandardCharsets.UTF_8)).isEqualTo(wholeTree(marker));
        SessionDocument changed = doc.apply(set(COMPOSE, "draft", NODES.stringNode("Dear Ada")));
        assertThat(new String(changed.toBytes(), StandardCharsets.UTF_8)).isEqualTo(wholeTree(changed));
        assertThat(tree(changed).at("/views/compose/data/draft").asString()).isEqualTo("Dear Ada");
        SessionDocument none = SessionDocument.empty();
        assertThat(new String(none.toBytes(), StandardCharsets.UTF_8)).isEqualTo(wholeTree(none));
        SessionDocument parsed = SessionDocument.parse(changed.toBytes()); // 1.0E10 is a decimal now
        assertThat(new String(parsed.toBytes(), StandardCharsets.UTF_8)).isEqualTo(wholeTree(parsed));
        for (SessionDocument d : java.util.List.of(doc, simple, marker, changed, none, parsed)) {
            assertThat(d.encodedSize()).isEqualTo(d.toBytes().length);
        }
    }

    /** The layout written as one tree, the way documents were written before slices cached their encoding. */
    private static String wholeTree(SessionDocument doc) {
        tools.jackson.databind.node.ObjectNode root = NODES.objectNode();
        root.put("format", SessionDocument.FORMAT);
        if (doc.isMarker()) {
            root.put("moved", true);
        }
        if (doc.expiresAt() != null) {
            root.put("expiresAt", doc.expiresAt().toString());
        }
        tools.jackson.databind.node.ObjectNode views = root.putObject("views");
        for (String name : new java.util.TreeSet<>(java.util.List.of("caf\u00e9 \"x\"", "compose", "counter"))) {
            SessionDocument.Slice slice = doc.slice(name);
            if (slice != null) {
                views.putObject(name).put("vsn", slice.vsn()).set("data", slice.data());
            }
        }
        // Written by the document's own mapper, as toBytes used to.
        return new String(SessionDocument.MAPPER.writeValueAsBytes(root), StandardCharsets.UTF_8);
    }

    @Test
    void parseAndToBytesRoundTrip() {
        SessionDocument original = sample();
        SessionDocument back = SessionDocument.parse(original.toBytes());
        assertThat(back.expiresAt()).isEqualTo(EXPIRES);
        assertThat(back.slice("counter")).isEqualTo(original.slice("counter"));
        assertThat(back.slice("compose")).isEqualTo(original.slice("compose"));
        assertThat(back.toBytes()).isEqualTo(original.toBytes());
    }

    @Test
    void parsesTheExampleFromTheDesign() {
        SessionDocument document = parse("""
                {"format":1,"expiresAt":"2026-12-03T10:15:30Z",
                 "views":{"counter":{"vsn":1,"data":{"count":3,"username":"ada"}},
                          "compose":{"vsn":2,"data":{"draft":"Dear…"}}}}
                """);
        assertThat(document.expiresAt()).isEqualTo(EXPIRES);
        assertThat(document.slice("counter").vsn()).isEqualTo(1);
        assertThat(document.slice("counter").data().get("username").asString()).isEqualTo("ada");
        assertThat(document.slice("compose").vsn()).isEqualTo(2);
        assertThat(document.slice("compose").data().get("draft").asString()).isEqualTo("Dear…");
        assertThat(document.slice("other")).isNull();
    }

    @Test
    void anEmptyDocumentRoundTripsWithoutExpiry() {
        SessionDocument back = SessionDocument.parse(SessionDocument.empty().toBytes());
        assertThat(back.hasViews()).isFalse();
        assertThat(back.expiresAt()).isNull();
        assertThat(tree(SessionDocument.empty())).isEqualTo(MAPPER.readTree("{\"format\":1,\"views\":{}}"));
    }

    @Test
    void missingViewsAndNullExpiryMeanNone() {
        SessionDocument document = parse("{\"format\":1,\"expiresAt\":null}");
        assertThat(document.hasViews()).isFalse();
        assertThat(document.expiresAt()).isNull();
    }

    @Test
    void unknownTopLevelFieldsAreIgnored() {
        SessionDocument document = parse("{\"format\":1,\"views\":{},\"writtenBy\":\"a later minor version\"}");
        assertThat(document.hasViews()).isFalse();
    }

    @Test
    void decimalNumbersKeepTheirPrecisionThroughBytes() {
        SessionDocument document = parse("""
                {"format":1,"views":{"cart":{"vsn":1,"data":{"total":12345678901234567890.123456789012345678901,"price":1.50}}}}
                """);
        SessionDocument back = SessionDocument.parse(document.toBytes());
        assertThat(back.slice("cart").data().get("total").decimalValue())
                .isEqualTo(new BigDecimal("12345678901234567890.123456789012345678901"));
        assertThat(back.slice("cart").data().get("price").decimalValue()).isEqualTo(new BigDecimal("1.50"));
    }

    /**
     * A Java string may hold a lone surrogate (half of an emoji cut by {@code substring}): a value
     * holding one is written as the mapper writes it (escaped), whether its slice is written
     * directly or through the mapper, and reads back unchanged. (View names and keys cannot hold one:
     * {@link ViewDefinitionTests#aNameOrKeyWithALoneSurrogateFails()}.)
     */
    @Test
    void aLoneSurrogateInAValueIsWrittenAsTheWholeTreeWritesIt() {
        String cut = "ab\uD83D"; // "ab" and the first half of an emoji
        String stray = "\uDE00x\uD800y"; // a low half first, then a high half before another character
        ViewDefinition view = ViewDefinition.builder("v").key("s", String.class).key("t", String.class)
                .key("d", Object.class).build();
        SessionDocument simple = SessionDocument.empty()
                .apply(SliceDiff.of(view, Map.of("s", NODES.stringNode(cut), "t", NODES.stringNode(stray)), Set.of()))
                .withExpiry(EXPIRES);
        SessionDocument throughMapper = simple.apply(set(view, "d", NODES.numberNode(new BigDecimal("1.5"))));
        for (SessionDocument doc : java.util.List.of(simple, throughMapper)) {
            tools.jackson.databind.node.ObjectNode root = NODES.objectNode();
            root.put("format", SessionDocument.FORMAT);
            root.put("expiresAt", EXPIRES.toString());
            tools.jackson.databind.node.ObjectNode slice = root.putObject("views").putObject("v");
            slice.put("vsn", 1);
            slice.set("data", doc.slice("v").data());
            assertThat(doc.toBytes()).isEqualTo(MAPPER.writeValueAsBytes(root));
            assertThat(doc.encodedSize()).isEqualTo(doc.toBytes().length);
            SessionDocument.Slice back = SessionDocument.parse(doc.toBytes()).slice("v");
            assertThat(back).isNotNull();
            assertThat(back.data().get("s").stringValue()).isEqualTo(cut);
            assertThat(back.data().get("t").stringValue()).isEqualTo(stray);
        }
    }

    // ---- apply ---------------------------------------------------------------------------------

    @Test
    void mergeSetsAndRemovesKeysAndKeepsTheOthers() {
        SessionDocument next = sample().apply(SliceDiff.of(COUNTER,
                Map.of("count", NODES.numberNode(4), "draft", NODES.stringNode("new")), Set.of("label")));
        assertThat(tree(next).at("/views/counter")).isEqualTo(MAPPER.readTree(
                "{\"vsn\":1,\"data\":{\"count\":4,\"draft\":\"new\"}}"));
    }

    @Test
    void mergeLeavesOtherViewsUntouched() {
        SessionDocument original = sample();
        SessionDocument next = original.apply(set(COUNTER, "count", NODES.numberNode(99)));
        assertThat(next.slice("compose")).isEqualTo(original.slice("compose"));
        assertThat(tree(next).at("/views/compose")).isEqualTo(tree(original).at("/views/compose"));
    }

    @Test
    void mergeKeepsTheExpiry() {
        assertThat(sample().apply(set(COUNTER, "count", NODES.numberNode(1))).expiresAt()).isEqualTo(EXPIRES);
    }

    @Test
    void mergeIntoAnAbsentViewCreatesItsSlice() {
        SessionDocument next = SessionDocument.empty().apply(set(COMPOSE, "draft", NODES.stringNode("x")));
        assertThat(next.hasViews()).isTrue();
        assertThat(next.slice("compose").vsn()).isEqualTo(1);
        assertThat(next.slice("compose").data().get("draft").asString()).isEqualTo("x");
    }

    @Test
    void removingAnAbsentKeyChangesNothingElse() {
        SessionDocument original = sample();
        SessionDocument next = original.apply(remove(COUNTER, "draft"));
        assertThat(next.toBytes()).isEqualTo(original.toBytes());
    }

    @Test
    void aJsonNullIsAValueNotARemoval() {
        SessionDocument next = sample().apply(set(COUNTER, "label", NODES.nullNode()));
        assertThat(next.slice("counter").data().has("label")).isTrue();
        assertThat(next.slice("counter").data().get("label").isNull()).isTrue();
        assertThat(SessionDocument.parse(next.toBytes()).slice("counter").data().get("label").isNull()).isTrue();
    }

    @Test
    void replaceMakesTheSliceExactlyTheGivenData() {
        SessionDocument next = sample().apply(SliceDiff.replace(COUNTER_V2, Map.of("count", NODES.numberNode(30)), sample().slice("counter")));
        assertThat(tree(next).at("/views/counter")).isEqualTo(MAPPER.readTree("{\"vsn\":2,\"data\":{\"count\":30}}"));
        assertThat(tree(next).at("/views/compose")).isEqualTo(tree(sample()).at("/views/compose"));
    }

    @Test
    void aWriteBackChangesNothingOnceTheSliceHasTheCurrentVsnOrIsGone() {
        // Another writer already stored current data (or reset the view): a late write-back must not undo it.
        SessionDocument sameVsn = sample().apply(SliceDiff.replace(COUNTER, Map.of("label", NODES.stringNode("only")), sample().slice("counter")));
        assertThat(sameVsn.toBytes()).isEqualTo(sample().toBytes());
        SessionDocument gone = sample().apply(SliceDiff.reset(COUNTER));
        assertThat(gone.apply(SliceDiff.replace(COUNTER_V2, Map.of("count", NODES.numberNode(1)), sample().slice("counter"))).slice("counter")).isNull();
    }

    @Test
    void aWriteBackMeetingAStaleSliceChangedSinceMigratesWhatIsStoredNow() {
        // An instance of the older release stashed after the recover migrated the slice (its write acknowledged):
        // the write-back, re-applied after its conflict, must not put the older data back.
        ViewDefinition doubling = ViewDefinition.builder("counter").vsn(2).key("count", int.class)
                .migrator((vsn, data) -> data.put("count", 2 * data.get("count").asInt())).build();
        SessionDocument read = sample();
        SliceDiff writeBack = SliceDiff.replace(doubling, Map.of("count", NODES.numberNode(6), "label",
                NODES.stringNode("hi")), read.slice("counter"));
        SessionDocument changed = read.apply(set(COUNTER, "count", NODES.numberNode(10)));

        assertThat(tree(read.apply(writeBack)).at("/views/counter"))
                .isEqualTo(MAPPER.readTree("{\"vsn\":2,\"data\":{\"count\":6,\"label\":\"hi\"}}"));
        assertThat(tree(changed.apply(writeBack)).at("/views/counter"))
                .isEqualTo(MAPPER.readTree("{\"vsn\":2,\"data\":{\"count\":20,\"label\":\"hi\"}}"));
        assertThat(tree(changed.apply(SliceDiff.dropStale(doubling, read.slice("counter")))).at("/views/counter"))
                .as("a drop made from the older data: the migrator keeps the data stored now")
                .isEqualTo(MAPPER.readTree("{\"vsn\":2,\"data\":{\"count\":20,\"label\":\"hi\"}}"));
    }

    @Test
    void aWriteBackWhoseMigratorFailsOnTheChangedStaleSliceLeavesIt() {
        ViewDefinition failing = ViewDefinition.builder("counter").vsn(2).key("count", int.class)
                .migrator((vsn, data) -> {
                    throw new AssertionError("migrator bug");
                }).build();
        SessionDocument changed = sample().apply(set(COUNTER, "count", NODES.numberNode(10)));
        SliceDiff writeBack = SliceDiff.replace(failing, Map.of("count", NODES.numberNode(6)), sample().slice("counter"));
        assertThat(changed.apply(writeBack).toBytes()).isEqualTo(changed.toBytes());
    }

    /** Migrated values the document could not hold: one level deeper than a value may be, as a tree or raw JSON; a cycle. */
    static Stream<Arguments> migratedValuesTheDocumentCouldNotHold() {
        return Stream.of(
                Arguments.of("a tree too deep", (Supplier<JsonNode>) () -> {
                    JsonNode deep = NODES.numberNode(1);
                    for (int i = 0; i < DocumentLimits.DOCUMENTS.maxValueDepth() + 1; i++) {
                        deep = NODES.arrayNode().add(deep);
                    }
                    return deep;
                }),
                Arguments.of("raw JSON too deep", (Supplier<JsonNode>) () -> NODES.rawValueNode(new RawValue(
                        "[".repeat(498) + "1" + "]".repeat(498)))),
                Arguments.of("a cycle", (Supplier<JsonNode>) () -> {
                    ArrayNode cycle = NODES.arrayNode();
                    return cycle.add(cycle);
                }));
    }

    private static ViewDefinition counterV2Migrated(Supplier<JsonNode> label) {
        return ViewDefinition.builder("counter").vsn(2).key("count", int.class).key("label", String.class)
                .migrator((vsn, data) -> data.set("label", label.get())).build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("migratedValuesTheDocumentCouldNotHold")
    void aStashWhoseMigratorReturnsDataTheDocumentCouldNotHoldReplacesTheStaleSliceAndTheDocumentReadsBack(
            String what, Supplier<JsonNode> label) {
        SessionDocument merged = sample().apply(set(counterV2Migrated(label), "count", NODES.numberNode(7)));
        assertThat(tree(merged).at("/views/counter"))
                .as("as a stash whose migrator fails: the stash's keys replace the stale slice")
                .isEqualTo(MAPPER.readTree("{\"vsn\":2,\"data\":{\"count\":7}}"));
        assertThat(SessionDocument.parse(merged.toBytes()).slice("compose")).isEqualTo(sample().slice("compose"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("migratedValuesTheDocumentCouldNotHold")
    void aWriteBackWhoseMigratorReturnsDataTheDocumentCouldNotHoldOnTheChangedStaleSliceLeavesIt(String what,
            Supplier<JsonNode> label) {
        SessionDocument changed = sample().apply(set(COUNTER, "count", NODES.numberNode(10)));
        SliceDiff writeBack = SliceDiff.replace(counterV2Migrated(label), Map.of("count", NODES.numberNode(6)),
                sample().slice("counter"));
        assertThat(changed.apply(writeBack).toBytes()).isEqualTo(changed.toBytes());
    }

    @Test
    void aMigratorsDropRemovesOnlyAStaleSlice() {
        assertThat(sample().apply(SliceDiff.dropStale(COUNTER_V2, sample().slice("counter"))).slice("counter")).isNull();
        assertThat(sample().apply(SliceDiff.dropStale(COUNTER, sample().slice("counter"))).toBytes()).isEqualTo(sample().toBytes());
    }

    @Test
    void resetRemovesTheSliceOnly() {
        SessionDocument next = sample().apply(SliceDiff.reset(COUNTER));
        assertThat(next.slice("counter")).isNull();
        assertThat(next.slice("compose")).isEqualTo(sample().slice("compose"));
        assertThat(next.expiresAt()).isEqualTo(EXPIRES);
        assertThat(tree(next).at("/views")).isEqualTo(MAPPER.readTree("{\"compose\":{\"vsn\":1,\"data\":{\"draft\":\"Dear\"}}}"));
    }

    @Test
    void resetOfTheLastViewLeavesNoViews() {
        SessionDocument next = SessionDocument.empty().apply(set(COMPOSE, "draft", NODES.stringNode("x")))
                .apply(SliceDiff.reset(COMPOSE));
        assertThat(next.hasViews()).isFalse();
    }

    @Test
    void touchChangesNothing() {
        SessionDocument original = sample();
        SessionDocument touched = original.apply(SliceDiff.touch());
        assertThat(touched.toBytes()).isEqualTo(original.toBytes());
        assertThat(SliceDiff.touch().isTouch()).isTrue();
    }

    @Test
    void aDiffUnderAnotherVsnReplacesTheSliceWithoutMixing() {
        SessionDocument next = sample().apply(SliceDiff.of(COUNTER_V2, Map.of("count", NODES.numberNode(7)), Set.of()));
        assertThat(tree(next).at("/views/counter")).isEqualTo(MAPPER.readTree("{\"vsn\":2,\"data\":{\"count\":7}}"));
        // And back: a late diff of the old version replaces the new one, again without mixing.
        SessionDocument older = next.apply(set(COUNTER, "draft", NODES.stringNode("late")));
        assertThat(tree(older).at("/views/counter")).isEqualTo(MAPPER.readTree("{\"vsn\":1,\"data\":{\"draft\":\"late\"}}"));
    }

    @Test
    void applyingTheSameDiffTwiceChangesNothingMore() {
        SliceDiff[] diffs = {
                SliceDiff.of(COUNTER, Map.of("count", NODES.numberNode(5)), Set.of("label")),
                SliceDiff.of(COUNTER_V2, Map.of("count", NODES.numberNode(6)), Set.of()),
                SliceDiff.replace(COUNTER, Map.of("draft", NODES.stringNode("r")), sample().slice("counter")),
                SliceDiff.reset(COMPOSE),
                SliceDiff.touch(),
        };
        for (SliceDiff diff : diffs) {
            SessionDocument once = sample().apply(diff);
            SessionDocument twice = once.apply(diff);
            assertThat(twice.toBytes()).as("%s", diff).isEqualTo(once.toBytes());
        }
    }

    @Test
    void reapplyingAnOlderDiffAfterANewerOneRestoresTheOlderValuePerKey() {
        // Diffs are per key, last applied wins: the actor re-applies not-yet-durable diffs in order.
        SessionDocument document = sample()
                .apply(set(COUNTER, "count", NODES.numberNode(1)))
                .apply(set(COUNTER, "label", NODES.stringNode("b")))
                .apply(set(COUNTER, "count", NODES.numberNode(2)));
        assertThat(tree(document).at("/views/counter/data")).isEqualTo(MAPPER.readTree("{\"count\":2,\"label\":\"b\"}"));
    }

    @Test
    void applyLeavesTheOriginalDocumentUnchanged() {
        SessionDocument original = sample();
        byte[] before = original.toBytes();
        JsonNode counterData = original.slice("counter").data().deepCopy();

        original.apply(SliceDiff.of(COUNTER, Map.of("count", NODES.numberNode(100)), Set.of("label")));
        original.apply(SliceDiff.of(COUNTER_V2, Map.of("count", NODES.numberNode(1)), Set.of()));
        original.apply(SliceDiff.replace(COMPOSE, Map.of(), original.slice("compose")));
        original.apply(SliceDiff.reset(COUNTER));
        original.withExpiry(Instant.EPOCH);

        assertThat(original.toBytes()).isEqualTo(before);
        assertThat(original.slice("counter").data()).isEqualTo(counterData);
        assertThat(original.expiresAt()).isEqualTo(EXPIRES);
    }

    /** A slice keeps its members in a compact form: stored bytes are written back as they were read. */
    @Test
    void aStoredSliceIsWrittenBackWithItsMembersInTheirOrder() {
        String stored = "{\"format\":1,\"expiresAt\":\"2026-12-03T10:15:30Z\",\"views\":{\"counter\":{\"vsn\":1,"
                + "\"data\":{\"label\":\"hi\",\"count\":3,\"draft\":{\"b\":1,\"a\":[2.50]}}}}}";
        SessionDocument parsed = parse(stored);
        assertThat(new String(parsed.toBytes(), StandardCharsets.UTF_8)).isEqualTo(stored);
        SessionDocument changed = parsed.apply(set(COUNTER, "count", NODES.numberNode(4)));
        assertThat(new String(changed.toBytes(), StandardCharsets.UTF_8)).isEqualTo(stored.replace("\"count\":3", "\"count\":4"));
        SessionDocument readded = parsed.apply(remove(COUNTER, "label")).apply(set(COUNTER, "label", NODES.stringNode("hi")));
        assertThat(tree(readded).at("/views/counter/data").propertyNames()).containsExactly("count", "draft", "label");
        assertThat(readded.slice("counter")).isEqualTo(parsed.slice("counter")).hasSameHashCodeAs(parsed.slice("counter"));
    }

    /**
     * Merges, compared with the rule they had when a slice held an insertion-ordered {@code ObjectNode}:
     * copy the slice, remove, then set all. Small and large slices (those search their names differently).
     */
    @Test
    void mergesKeepTheRuleAndMemberOrderOfAnInsertionOrderedObject() {
        java.util.Random random = new java.util.Random(42);
        for (int round = 0; round < 300; round++) {
            int pool = 1 + random.nextInt(40);
            SessionDocument document = SessionDocument.empty();
            tools.jackson.databind.node.ObjectNode expected = NODES.objectNode();
            for (int step = 0; step < 12; step++) {
                Map<String, JsonNode> sets = new java.util.LinkedHashMap<>();
                Set<String> removes = new java.util.HashSet<>();
                int changes = random.nextInt(random.nextBoolean() ? 4 : 40);
                for (int i = 0; i < changes; i++) {
                    String key = "k" + random.nextInt(pool);
                    if (random.nextInt(4) == 0) {
                        removes.add(key);
                    } else {
                        sets.put(key, random.nextBoolean() ? NODES.numberNode(random.nextInt(100)) : NODES.stringNode("v" + i));
                    }
                }
                SliceDiff diff = SliceDiff.of(COMPOSE, sets, removes);
                document = document.apply(diff);
                for (String key : diff.removes()) {
                    expected.remove(key);
                }
                expected.setAll(diff.sets());
                SessionDocument.Slice slice = document.slice("compose");
                assertThat(tree(document).at("/views/compose/data").propertyNames())
                        .containsExactlyElementsOf(expected.propertyNames());
                assertThat(slice.data()).isEqualTo(expected);
                assertThat(slice.size()).isEqualTo(expected.size());
                for (int k = 0; k <= pool; k++) {
                    assertThat(slice.get("k" + k)).as("k%s", k).isEqualTo(expected.get("k" + k));
                }
                SessionDocument.Slice reordered = SessionDocument.parse(document.toBytes()).slice("compose");
                assertThat(reordered).isEqualTo(slice).hasSameHashCodeAs(slice);
                assertThat(new String(document.toBytes(), StandardCharsets.UTF_8)).isEqualTo(wholeTree(document));
            }
        }
    }

    /** Names whose hash codes collide ("Aa" and "BB" hash alike) are told apart, in small and large slices. */
    @Test
    void namesWithTheSameHashCodeAreToldApart() {
        java.util.List<String> colliding = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) {
            StringBuilder name = new StringBuilder();
            for (int bit = 0; bit < 4; bit++) {
                name.append((i >> bit & 1) == 0 ? "Aa" : "BB");
            }
            colliding.add(name.toString());
        }
        assertThat(colliding.stream().map(String::hashCode).distinct()).hasSize(1);
        for (int size : new int[] {4, 12}) {
            Map<String, JsonNode> sets = new java.util.LinkedHashMap<>();
            for (int i = 0; i < size; i++) {
                sets.put(colliding.get(i), NODES.numberNode(i));
            }
            SessionDocument document = SessionDocument.empty().apply(SliceDiff.of(COMPOSE, sets, Set.of()));
            SessionDocument.Slice slice = document.slice("compose");
            for (int i = 0; i < 16; i++) {
                assertThat(slice.get(colliding.get(i))).as("%s", colliding.get(i))
                        .isEqualTo(i < size ? NODES.numberNode(i) : null);
            }
            SessionDocument.Slice changed = document.apply(SliceDiff.of(COMPOSE,
                    Map.of(colliding.get(1), NODES.numberNode(100), colliding.get(15), NODES.numberNode(15)),
                    Set.of(colliding.get(0)))).slice("compose");
            assertThat(changed.get(colliding.get(0))).isNull();
            assertThat(changed.get(colliding.get(1))).isEqualTo(NODES.numberNode(100));
            assertThat(changed.get(colliding.get(15))).isEqualTo(NODES.numberNode(15));
            assertThat(changed.size()).isEqualTo(size);
        }
    }

    @Test
    void slicesWithTheSameMembersInAnotherOrderAreEqual() {
        SessionDocument.Slice ab = parse("{\"format\":1,\"views\":{\"v\":{\"vsn\":1,\"data\":{\"a\":1,\"b\":\"x\"}}}}").slice("v");
        SessionDocument.Slice ba = parse("{\"format\":1,\"views\":{\"v\":{\"vsn\":1,\"data\":{\"b\":\"x\",\"a\":1}}}}").slice("v");
        SessionDocument.Slice other = parse("{\"format\":1,\"views\":{\"v\":{\"vsn\":1,\"data\":{\"b\":\"x\",\"c\":1}}}}").slice("v");
        SessionDocument.Slice v2 = parse("{\"format\":1,\"views\":{\"v\":{\"vsn\":2,\"data\":{\"a\":1,\"b\":\"x\"}}}}").slice("v");
        assertThat(ab).isEqualTo(ba).hasSameHashCodeAs(ba).isNotEqualTo(other).isNotEqualTo(v2);
        assertThat(ab.toString()).isEqualTo("Slice[vsn=1, data={\"a\":1,\"b\":\"x\"}]");
    }

    @Test
    void aParsedDocumentIsNotChangedByApplyingToIt() {
        byte[] stored = sample().toBytes();
        SessionDocument parsed = SessionDocument.parse(stored);
        parsed.apply(SliceDiff.of(COUNTER, Map.of("count", NODES.numberNode(100)), Set.of("label")));
        assertThat(parsed.toBytes()).isEqualTo(stored);
    }

    // ---- expiry --------------------------------------------------------------------------------

    @Test
    void isExpiredAtAndAfterExpiresAtButNotBefore() {
        SessionDocument document = sample();
        assertThat(document.isExpired(EXPIRES.minusNanos(1))).isFalse();
        assertThat(document.isExpired(EXPIRES)).isTrue();
        assertThat(document.isExpired(EXPIRES.plusSeconds(1))).isTrue();
    }

    @Test
    void aDocumentWithoutExpiryNeverExpires() {
        assertThat(SessionDocument.empty().isExpired(Instant.MAX)).isFalse();
    }

    @Test
    void withExpiryKeepsTheViewsAndSurvivesBytes() {
        Instant later = EXPIRES.plusSeconds(3600);
        SessionDocument moved = sample().withExpiry(later);
        assertThat(moved.expiresAt()).isEqualTo(later);
        assertThat(moved.slice("counter")).isEqualTo(sample().slice("counter"));
        assertThat(SessionDocument.parse(moved.toBytes()).expiresAt()).isEqualTo(later);
    }

    // ---- corrupt and future documents --------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "not json",
            "{\"format\":1,",
            "[1,2,3]",
            "\"a string\"",
            "42",
            "null",
            "{}",
            "{\"format\":\"1\",\"views\":{}}",
            "{\"format\":1.5,\"views\":{}}",
            "{\"format\":0,\"views\":{}}",
            "{\"format\":-1,\"views\":{\"counter\":{\"vsn\":1,\"data\":{\"count\":3}}}}",
            "{\"format\":-99999999999999999999,\"views\":{}}",
            "{\"format\":1,\"views\":[]}",
            "{\"format\":1,\"views\":\"counter\"}",
            "{\"format\":1,\"views\":{\"counter\":{\"data\":{}}}}",
            "{\"format\":1,\"views\":{\"counter\":{\"vsn\":1}}}",
            "{\"format\":1,\"views\":{\"counter\":{\"vsn\":\"1\",\"data\":{}}}}",
            "{\"format\":1,\"views\":{\"counter\":{\"vsn\":1,\"data\":[]}}}",
            "{\"format\":1,\"views\":{\"counter\":{\"vsn\":1,\"data\":null}}}",
            "{\"format\":1,\"views\":{\"counter\":5}}",
            "{\"format\":1,\"views\":{\"counter\":null}}",
            "{\"format\":1,\"expiresAt\":\"tomorrow\",\"views\":{}}",
            "{\"format\":1,\"expiresAt\":\"2026-12-03\",\"views\":{}}",
            "{\"format\":1,\"expiresAt\":12345,\"views\":{}}",
            "{\"format\":1,\"expiresAt\":{\"epoch\":1},\"views\":{}}",
            "{\"format\":1,\"expiresAt\":[],\"views\":{}}",
            "{\"format\":1,\"views\":{\"counter\":{\"vsn\":99999999999,\"data\":{}}}}",
    })
    void corruptInputIsRejectedAsCorrupt(String json) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(SessionDocument.CorruptDocumentException.class)
                .hasMessageStartingWith("corrupt session document: ");
    }

    @Test
    void invalidUtf8IsRejectedAsCorrupt() {
        byte[] bytes = {'{', '"', 'f', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        assertThatThrownBy(() -> SessionDocument.parse(bytes)).isInstanceOf(SessionDocument.CorruptDocumentException.class);
    }

    @Test
    void aHigherFormatIsUnsupportedNotCorrupt() {
        assertThatThrownBy(() -> parse("{\"format\":2,\"views\":{\"whatever\":[]}}"))
                .isInstanceOf(SessionDocument.UnsupportedFormatException.class)
                .isInstanceOf(StashException.class)
                .hasMessageContaining("format 2")
                .hasMessageContaining("supported format 1");
    }

    @Test
    void aHugeFormatIsUnsupportedNotCorrupt() {
        assertThatThrownBy(() -> parse("{\"format\":99999999999999999999,\"views\":{}}"))
                .isInstanceOf(SessionDocument.UnsupportedFormatException.class);
    }
}
