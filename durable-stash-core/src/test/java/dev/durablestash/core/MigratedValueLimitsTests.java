package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.failureOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

import dev.durablestash.testsupport.ExpectedLogs;

/**
 * A migrator's data is held to what a stash may store ({@link DocumentLimits}): a migrated value that
 * would make the session document unreadable (nested too deep, a number or a property name the
 * document's reader refuses) fails the migration, as a migrator that throws does: the view recovers
 * nothing, the stored slice stays as it was, and every other view of the session survives a restart.
 */
class MigratedValueLimitsTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    static final ViewDefinition COUNTER = ViewDefinition.builder("counter").key("count", int.class).build();
    static final ViewDefinition TREE_V1 = ViewDefinition.builder("tree").key("tree", Object.class).build();

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final MapStorageBackend store = new MapStorageBackend();
    private final String sid = SessionIds.newSid();

    static JsonNode nested(int depth) {
        JsonNode node = NODES.numberNode(1);
        for (int i = 0; i < depth; i++) {
            ArrayNode array = NODES.arrayNode();
            array.add(node);
            node = array;
        }
        return node;
    }

    static ObjectNode objectWith(String name) {
        ObjectNode object = NODES.objectNode();
        object.put(name, 1);
        return object;
    }

    /** A view at vsn 2 whose migrator returns {@code data} for whatever vsn 1 stored. */
    static ViewDefinition treeV2(Supplier<JsonNode> value) {
        return ViewDefinition.builder("tree").vsn(2).key("tree", Object.class).migrator((storedVsn, data) -> {
            ObjectNode migrated = NODES.objectNode();
            migrated.set("tree", value.get());
            return migrated;
        }).build();
    }

    static Stream<Arguments> valuesTheDocumentCouldNotHold() {
        return Stream.of(
                Arguments.of("one level deeper than a value may be", (Supplier<JsonNode>) () -> nested(497),
                        "nested 497 levels deep"),
                Arguments.of("deeper than the document's writer writes", (Supplier<JsonNode>) () -> nested(499),
                        "levels deep"),
                Arguments.of("far deeper", (Supplier<JsonNode>) () -> nested(600), "levels deep"),
                Arguments.of("a number of 1,001 digits",
                        (Supplier<JsonNode>) () -> NODES.numberNode(BigInteger.TEN.pow(1_000)), "1001"),
                Arguments.of("a property name of 50,001 bytes",
                        (Supplier<JsonNode>) () -> objectWith("n".repeat(50_001)), "50001"),
                Arguments.of("a property name with half of a surrogate pair",
                        (Supplier<JsonNode>) () -> objectWith("half \uD800 of a pair"), "Broken surrogate pair in property name"),
                Arguments.of("a cycle (a migrator's bug)", (Supplier<JsonNode>) () -> {
                    ArrayNode cycle = NODES.arrayNode();
                    return cycle.add(cycle);
                }, "levels deep"),
                Arguments.of("a POJO that is a list 497 levels deep", (Supplier<JsonNode>) () -> NODES.pojoNode(
                        nestedList(497)), "POJO or raw value node"),
                Arguments.of("a raw value 498 levels deep", (Supplier<JsonNode>) () -> NODES.rawValueNode(
                        new RawValue("[".repeat(498) + "1" + "]".repeat(498))), "POJO or raw value node"),
                Arguments.of("a POJO that would be written by another mapper than the application's",
                        (Supplier<JsonNode>) () -> NODES.objectNode().set("at", NODES.pojoNode(Map.of("x", 1))),
                        "POJO or raw value node"),
                Arguments.of("a POJO whose getter fails an assert", (Supplier<JsonNode>) () -> NODES.pojoNode(
                        new FailsWhenWritten()), "a failed assert"));
    }

    static Object nestedList(int depth) {
        Object value = 1;
        for (int i = 0; i < depth; i++) {
            value = List.of(value);
        }
        return value;
    }

    /** A bean whose getter fails an {@code assert}, as a bug in the application's class would. */
    public static final class FailsWhenWritten {
        public String getValue() {
            throw new AssertionError("a failed assert");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesTheDocumentCouldNotHold")
    void aMigratedValueTheDocumentCouldNotHoldFailsTheMigrationAndNothingIsLost(String what,
            Supplier<JsonNode> value, String problem) throws Exception {
        logs.expect(Level.ERROR, "migrator of view 'tree' returned data that cannot be stored (from vsn 1 to 2)");
        StashSettings settings = Engines.settings().encryptAtRest(what.contains("POJO")).build(); // encrypted or not: the same
        try (StashAdapter before = new StashAdapter(store, settings)) {
            await(before.stash(sid, COUNTER, Map.of("count", 42)));
            await(before.stash(sid, TREE_V1, Map.of("tree", "as stored")));
        }
        try (StashAdapter upgraded = new StashAdapter(store, settings)) {
            assertThat(await(upgraded.recover(sid, treeV2(value), MountKind.REJOIN)).status())
                    .isEqualTo(RecoveryStatus.NOT_FOUND);
            await(upgraded.stash(sid, COUNTER, Map.of("count", 43)));
        }
        assertThat(logs.messages(Level.ERROR)).singleElement().asString().contains("key 'tree'").contains(problem);
        try (StashAdapter restarted = new StashAdapter(store, settings)) {
            assertThat(await(restarted.recover(sid, COUNTER, MountKind.REJOIN)).<Integer>get("count")).isEqualTo(43);
            assertThat(await(restarted.recover(sid, TREE_V1, MountKind.REJOIN)).<Object>get("tree"))
                    .as("the stored slice, kept for a migrator that does better").isEqualTo("as stored");
        }
    }

    /**
     * Migrated data within the reader's limits but too large for {@code max-document-size}: its
     * write-back fails, and the view's stashes replace the stale slice (as when a migrator fails)
     * instead of each failing for as long as it is stored.
     */
    @Test
    void migratedDataOverTheDocumentSizeDoesNotFailEveryStashOfTheView() throws Exception {
        StashSettings settings = Engines.settings().maxDocumentBytes(8 * 1024).maxValueBytes(4 * 1024).build();
        ViewDefinition v2 = ViewDefinition.builder("tree").vsn(2).key("tree", Object.class).key("other", int.class)
                .migrator((storedVsn, data) -> data.put("tree", "x".repeat(20_000))).build();
        try (StashAdapter before = new StashAdapter(store, settings)) {
            await(before.stash(sid, COUNTER, Map.of("count", 42)));
            await(before.stash(sid, TREE_V1, Map.of("tree", "as stored")));
        }
        try (StashAdapter upgraded = new StashAdapter(store, settings)) {
            assertThat(await(upgraded.recover(sid, v2, MountKind.REJOIN)).<String>get("tree")).hasSize(20_000);
            for (int i = 1; i <= 3; i++) {
                await(upgraded.stash(sid, v2, Map.of("other", i)));
            }
        }
        try (StashAdapter restarted = new StashAdapter(store, settings)) {
            assertThat(await(restarted.recover(sid, v2, MountKind.REJOIN)).values()).containsOnly(Map.entry("other", 3));
            assertThat(await(restarted.recover(sid, COUNTER, MountKind.REJOIN)).<Integer>get("count")).isEqualTo(42);
        }
    }

    /** A view whose vsn-2 migrator keeps vsn 1's data as it is: the migration adds no byte. */
    static final ViewDefinition FORM_V1 = ViewDefinition.builder("form").key("draft", String.class)
            .key("note", String.class).build();
    static final ViewDefinition FORM_V2 = ViewDefinition.builder("form").vsn(2).key("draft", String.class)
            .key("note", String.class).migrator((storedVsn, data) -> data).build();

    /**
     * A stash whose own keys overflow the document fails, as at the current vsn, though it meets a
     * stale slice: the slice, which migrates within the limit, is kept (before the fix: the stash
     * replaced it, and the stored draft was gone).
     */
    @Test
    void aStashWhoseOwnKeysOverflowTheDocumentFailsAndKeepsAStaleSliceThatMigratesWithinTheLimit()
            throws Exception {
        StashSettings settings = Engines.settings().maxDocumentBytes(8 * 1024).maxValueBytes(6 * 1024).build();
        try (StashAdapter before = new StashAdapter(store, settings)) {
            await(before.stash(sid, FORM_V1, Map.of("draft", "d".repeat(3_000))));
        }
        try (StashAdapter upgraded = new StashAdapter(store, settings)) {
            assertThat(failureOf(upgraded.stash(sid, FORM_V2, Map.of("note", "n".repeat(5_500)))))
                    .isInstanceOf(StashWriteException.class).hasMessageContaining("max-document-size");
        }
        try (StashAdapter restarted = new StashAdapter(store, settings)) {
            assertThat(await(restarted.recover(sid, FORM_V2, MountKind.REJOIN)).<String>get("draft")).hasSize(3_000);
        }
    }

    /**
     * The migrated slice would fit alone, but another view's acknowledged data leaves it no room: the
     * stash fails, as at the current vsn, and the stale slice is kept (before the fix: the stash replaced
     * it, as if the migrated data alone overflowed, and the draft was gone).
     */
    @Test
    void aStashThatMeetsAStaleSliceFailsWhenAnotherViewsDataLeavesNoRoomForItsMigration() throws Exception {
        StashSettings settings = Engines.settings().maxDocumentBytes(8 * 1024).maxValueBytes(6 * 1024).build();
        ViewDefinition summarising = ViewDefinition.builder("form").vsn(2).key("draft", String.class)
                .key("summary", String.class).key("note", String.class)
                .migrator((storedVsn, data) -> data.put("summary", data.path("draft").asString())).build();
        ViewDefinition notes = ViewDefinition.builder("notes").key("text", String.class).build();
        try (StashAdapter before = new StashAdapter(store, settings)) {
            await(before.stash(sid, FORM_V1, Map.of("draft", "d".repeat(2_000))));
        }
        try (StashAdapter upgraded = new StashAdapter(store, settings)) {
            await(upgraded.stash(sid, notes, Map.of("text", "t".repeat(4_500)))); // fits beside the stale slice
            assertThat(failureOf(upgraded.stash(sid, summarising, Map.of("note", "hi"))))
                    .isInstanceOf(StashWriteException.class).hasMessageContaining("max-document-size");
        }
        try (StashAdapter restarted = new StashAdapter(store, settings)) {
            assertThat(await(restarted.recover(sid, FORM_V1, MountKind.REJOIN)).<String>get("draft")).hasSize(2_000);
        }
    }

    /** The migrated data overflows the document, and the stash's own keys would without it too: it fails. */
    @Test
    void aStashTooLargeEvenWithoutTheMigratedDataFailsAndKeepsTheStaleSlice() throws Exception {
        StashSettings settings = Engines.settings().maxDocumentBytes(8 * 1024).maxValueBytes(6 * 1024).build();
        ViewDefinition growing = ViewDefinition.builder("form").vsn(2).key("draft", String.class)
                .key("note", String.class).migrator((storedVsn, data) -> data.put("draft", "d".repeat(9_000))).build();
        try (StashAdapter before = new StashAdapter(store, settings)) {
            await(before.stash(sid, FORM_V1, Map.of("draft", "d".repeat(1_000))));
            await(before.stash(sid, TREE_V1, Map.of("tree", "w".repeat(4_000))));
        }
        try (StashAdapter upgraded = new StashAdapter(store, settings)) {
            assertThat(failureOf(upgraded.stash(sid, growing, Map.of("note", "n".repeat(5_000)))))
                    .isInstanceOf(StashWriteException.class).hasMessageContaining("max-document-size");
        }
        try (StashAdapter restarted = new StashAdapter(store, settings)) {
            assertThat(await(restarted.recover(sid, FORM_V1, MountKind.REJOIN)).<String>get("draft")).hasSize(1_000);
        }
    }

    /** A key's name is held to the same: one the document's reader refuses fails the migration. */
    @Test
    void aMigratedKeyWhoseNameTheDocumentCouldNotHoldFailsTheMigrationAndNothingIsLost() throws Exception {
        logs.expect(Level.ERROR, "key 'half \uD800 of a pair': the name holds half of a surrogate pair");
        ViewDefinition v2 = ViewDefinition.builder("tree").vsn(2).key("tree", Object.class).migrator((storedVsn, data) -> {
            ObjectNode migrated = data.deepCopy();
            migrated.put("half \uD800 of a pair", 1);
            return migrated;
        }).build();
        try (StashAdapter before = new StashAdapter(store, Engines.settings().build())) {
            await(before.stash(sid, COUNTER, Map.of("count", 42)));
            await(before.stash(sid, TREE_V1, Map.of("tree", "as stored")));
        }
        try (StashAdapter upgraded = new StashAdapter(store, Engines.settings().build())) {
            assertThat(await(upgraded.recover(sid, v2, MountKind.REJOIN)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
            await(upgraded.stash(sid, COUNTER, Map.of("count", 43)));
        }
        try (StashAdapter restarted = new StashAdapter(store, Engines.settings().build())) {
            assertThat(await(restarted.recover(sid, COUNTER, MountKind.REJOIN)).<Integer>get("count")).isEqualTo(43);
        }
    }

    /** At the limits, a migrated value is written back and recovered after a restart as it was recovered. */
    @Test
    void aMigratedValueAsDeepAsAValueMayBeIsWrittenBackAndRecoveredAfterARestart() throws Exception {
        ViewDefinition v2 = treeV2(() -> nested(DocumentLimits.DOCUMENTS.maxValueDepth()));
        try (StashAdapter before = new StashAdapter(store, Engines.settings().build())) {
            await(before.stash(sid, COUNTER, Map.of("count", 42)));
            await(before.stash(sid, TREE_V1, Map.of("tree", "as stored")));
        }
        Object migrated;
        try (StashAdapter upgraded = new StashAdapter(store, Engines.settings().build())) {
            migrated = await(upgraded.recover(sid, v2, MountKind.REJOIN)).get("tree");
            await(upgraded.stash(sid, COUNTER, Map.of("count", 43)));
        }
        try (StashAdapter restarted = new StashAdapter(store, Engines.settings().build())) {
            assertThat(await(restarted.recover(sid, COUNTER, MountKind.REJOIN)).<Integer>get("count")).isEqualTo(43);
            Recovery tree = await(restarted.recover(sid, v2, MountKind.REJOIN));
            assertThat(migrated.equals(tree.get("tree"))).as("recovered as migrated").isTrue(); // not printed
        }
    }
}
