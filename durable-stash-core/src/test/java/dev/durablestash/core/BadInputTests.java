package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.durablestash.core.MapStorageBackend.Operation;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageException;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;
import dev.durablestash.testsupport.ExpectedLogs;

/** Bad values and bad stored documents each have a defined outcome, and nothing leaks or crashes. */
class BadInputTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash.core.SessionStorage",
            "dev.durablestash.core.ValueCodec");

    static final ViewDefinition VIEW = ViewDefinition.builder("notes")
            .key("title", String.class)
            .key("count", int.class)
            .key("blob", String.class)
            .build();

    final MapStorageBackend backend = new MapStorageBackend();
    final String sid = SessionIds.newSid();

    @Test
    void aValueThatIsNotJsonFailsAtStashTimeNamingViewAndKeyAndWritesNothing() {
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            ViewDefinition view = ViewDefinition.builder("notes").key("thing", Object.class).build();
            assertThatThrownBy(() -> adapter.stash(sid, view, Map.of("thing", new Object())))
                    .isInstanceOf(InvalidStashValueException.class)
                    .hasMessageContaining("'thing'")
                    .hasMessageContaining("'notes'");
            assertThatThrownBy(() -> adapter.stash(sid, VIEW, Map.of("undeclared", 1)))
                    .isInstanceOf(InvalidStashValueException.class)
                    .hasMessageContaining("undeclared");
            assertThat(backend.count(Operation.PUT)).isZero();
        }
    }

    @Test
    void aCorruptStoredDocumentReadsAsNotFoundAndIsReplacedByTheNextWrite() throws Exception {
        logs.expect(Level.ERROR, "corrupt session document: not JSON");
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, VIEW, Map.of("title", "t")));
            String key = backend.keys().iterator().next();
            backend.write(key, "{not json".getBytes(StandardCharsets.UTF_8));

            Recovery recovery = await(adapter.recover(sid, VIEW, MountKind.FRESH));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.NOT_FOUND);

            await(adapter.stash(sid, VIEW, Map.of("title", "fresh")));
            assertThat(await(adapter.recover(sid, VIEW, MountKind.FRESH)).values()).containsOnly(Map.entry("title", "fresh"));
        }
    }

    @Test
    void aCorruptStoredDocumentIsKeptAsideBeforeTheNextWriteReplacesIt() throws Exception {
        logs.expect(Level.ERROR, "corrupt session document: not JSON");
        byte[] torn = "{\"format\":1,\"views\":{\"notes\":{\"vsn\":1,\"data\":{\"title\":\"a whole sess".getBytes(StandardCharsets.UTF_8);
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, VIEW, Map.of("title", "t")));
            String key = backend.keys().iterator().next();
            backend.write(key, torn);

            assertThat(await(adapter.recover(sid, VIEW, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
            await(adapter.stash(sid, VIEW, Map.of("title", "fresh")));

            String aside = key + ".corrupt-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(torn), 0, 8);
            assertThat(backend.keys()).containsExactlyInAnyOrder(key, aside);
            assertThat(backend.read(aside)).as("the bytes kept aside").contains(torn);
            assertThat(adapter.statistics().quarantined()).isEqualTo(1);
        }
    }

    @Test
    void aCorruptStoredDocumentThatCannotBeKeptAsideIsNeverReplaced() throws Exception {
        logs.expect(Level.ERROR, "corrupt session document: not JSON");
        byte[] torn = "{not json".getBytes(StandardCharsets.UTF_8);
        StorageBackend refusingQuarantine = Engines.withPut(backend, (key, body, precondition) ->
                key.contains(".corrupt-") ? CompletableFuture.failedFuture(new StorageException("refused", null))
                        : backend.put(key, body, precondition));
        try (StashAdapter adapter = new StashAdapter(refusingQuarantine, Engines.settings().build())) {
            await(adapter.stash(sid, VIEW, Map.of("title", "t")));
            String key = backend.keys().iterator().next();
            backend.write(key, torn);

            assertThat(await(adapter.recover(sid, VIEW, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.ERROR);
            assertThat(failureOf(adapter.stash(sid, VIEW, Map.of("title", "over it")))).isInstanceOf(StashWriteException.class);
            assertThat(backend.read(key)).as("the document nobody could keep aside").contains(torn);
        }
    }

    @Test
    void aStoredValueThatNoLongerFitsItsTypeIsSkippedAndTheOthersRecovered() throws Exception {
        ViewDefinition asText = ViewDefinition.builder("notes").key("title", String.class).key("count", String.class).build();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, asText, Map.of("title", "t", "count", "not a number")));
            Recovery recovery = await(adapter.recover(sid, VIEW, MountKind.FRESH));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.RECOVERED);
            assertThat(recovery.values()).containsOnly(Map.entry("title", "t"));
        }
    }

    @Test
    void aDocumentOfANewerFormatIsReportedAndNeverOverwritten() throws Exception {
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, VIEW, Map.of("title", "t")));
            String key = backend.keys().iterator().next();
            byte[] newer = "{\"format\":99,\"views\":{}}".getBytes(StandardCharsets.UTF_8);
            backend.write(key, newer);

            Recovery recovery = await(adapter.recover(sid, VIEW, MountKind.FRESH));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.ERROR);
            assertThat(recovery.error()).get().asString().contains("format 99");

            Throwable failure = failureOf(adapter.stash(sid, VIEW, Map.of("title", "x")));
            assertThat(failure).isInstanceOf(StashWriteException.class).hasMessageContaining("format 99");
            assertThat(backend.read(key)).get().isEqualTo(newer);
        }
    }

    @Test
    void aStashThatWouldOverflowTheDocumentFailsAloneAndTheOthersInItsBatchSucceed() throws Exception {
        try (StashAdapter adapter = new StashAdapter(backend,
                Engines.settings().maxDocumentBytes(2_000).maxValueBytes(2_000).build())) {
            await(adapter.recover(sid, VIEW, MountKind.FRESH));
            backend.setLatency(Operation.PUT, java.time.Duration.ofMillis(100));
            CompletionStage<Void> first = adapter.stash(sid, VIEW, Map.of("title", "first")); // in flight
            CompletionStage<Void> small = adapter.stash(sid, VIEW, Map.of("count", 2));
            // within max-value-size, but too large for the document with the others
            CompletionStage<Void> huge = adapter.stash(sid, VIEW, Map.of("blob", "x".repeat(1_990)));
            await(first);
            await(small);
            Throwable failure = failureOf(huge);
            assertThat(failure).isInstanceOf(StashWriteException.class)
                    .hasMessageContaining("'notes'").hasMessageContaining("max-document-size");
            backend.clearFaults();
            assertThat(await(adapter.recover(sid, VIEW, MountKind.FRESH)).values())
                    .containsOnly(Map.entry("title", "first"), Map.entry("count", 2));
        }
    }

    @Test
    void anOversizedValueFailsNamingTheLimit() {
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().maxValueBytes(100).build())) {
            assertThatThrownBy(() -> adapter.stash(sid, VIEW, Map.of("blob", "y".repeat(200))))
                    .isInstanceOf(InvalidStashValueException.class)
                    .hasMessageContaining("'blob'")
                    .hasMessageContaining("100 bytes");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "[1,2,3]",
            "\"a string\"",
            "null",
            "{\"hello\":\"world\"}",
            "{\"format\":\"1\",\"views\":{}}",
            "{\"format\":1,\"views\":[\"notes\"]}",
            "{\"format\":1,\"views\":{\"notes\":\"title=t\"}}",
            "{\"format\":1,\"views\":{\"notes\":{\"vsn\":\"one\",\"data\":{}}}}",
            "{\"format\":1,\"expiresAt\":\"tomorrow\",\"views\":{}}",
            "{\"format\":0,\"views\":{\"notes\":{\"vsn\":1,\"data\":{\"title\":\"t\"}}}}",
            "{\"format\":-1,\"views\":{}}"})
    void foreignJsonOrAnUnknownOlderFormatInStorageIsKeptAsideAndReadsAsNotFound(String foreign) throws Exception {
        logs.expect(Level.ERROR, "corrupt session document");
        byte[] body = foreign.getBytes(StandardCharsets.UTF_8);
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, VIEW, Map.of("title", "t")));
            String key = backend.keys().iterator().next();
            backend.write(key, body);

            Recovery recovery = await(adapter.recover(sid, VIEW, MountKind.FRESH));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.NOT_FOUND);
            assertThat(recovery.values()).isEmpty();
            await(adapter.stash(sid, VIEW, Map.of("title", "fresh")));

            assertThat(backend.read(key + ".corrupt-" + sha256Prefix(body))).as("the foreign bytes kept aside").contains(body);
            assertThat(await(adapter.recover(sid, VIEW, MountKind.FRESH)).values()).containsOnly(Map.entry("title", "fresh"));
        }
    }

    @Test
    void aSliceStoredUnderAHigherVsnThanTheCodesIsDroppedAsNotFoundWithoutAMigrator() throws Exception {
        ViewDefinition newer = ViewDefinition.builder("notes").vsn(3).key("title", String.class).build();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, newer, Map.of("title", "written by a newer release")));

            Recovery recovery = await(adapter.recover(sid, VIEW, MountKind.FRESH));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.NOT_FOUND);
            assertThat(recovery.values()).isEmpty();
            // A view with a migrator is asked, with the stored vsn, whatever it is.
            List<Integer> asked = new ArrayList<>();
            ViewDefinition migrating = ViewDefinition.builder("notes").key("title", String.class)
                    .migrator((storedVsn, data) -> {
                        asked.add(storedVsn);
                        return data;
                    }).build();
            assertThat(await(adapter.recover(sid, migrating, MountKind.FRESH)).values())
                    .containsOnly(Map.entry("title", "written by a newer release"));
            assertThat(asked).containsExactly(3);
        }
    }

    @Test
    void stateWrittenUnderAnotherSecretIsNeitherReadNorTouched() throws Exception {
        try (StashAdapter ours = new StashAdapter(backend, Engines.settings().build());
                StashAdapter theirs = new StashAdapter(backend,
                        StashSettings.builder().secret("another-applications-secret-0123456789").build())) {
            await(theirs.stash(sid, VIEW, Map.of("title", "theirs", "count", 7)));

            Recovery recovery = await(ours.recover(sid, VIEW, MountKind.FRESH));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.NOT_FOUND);
            assertThat(recovery.values()).isEmpty();
            await(ours.stash(sid, VIEW, Map.of("title", "ours")));

            assertThat(backend.keys()).as("one document per secret").hasSize(2);
            assertThat(await(theirs.recover(sid, VIEW, MountKind.FRESH)).values())
                    .containsOnly(Map.entry("title", "theirs"), Map.entry("count", 7));
            assertThat(await(ours.recover(sid, VIEW, MountKind.FRESH)).values()).containsOnly(Map.entry("title", "ours"));
        }
    }

    @Test
    void viewNamesWithPathSeparatorsDotDotNulOrUnicodeStayInsideTheStorageDirectory(@TempDir Path directory)
            throws Exception {
        Path root = directory.resolve("sessions");
        List<String> names = List.of("../../outside", "..", "a/b/c", "/etc/passwd", "C:\\Windows\\x", "a\u0000b",
                "caf\u00e9 \u65e5\u672c \ud83d\ude00", "notes");
        try (FileSystemStorageBackend files = new FileSystemStorageBackend(root);
                StashAdapter adapter = new StashAdapter(files, Engines.settings().build())) {
            for (String name : names) {
                await(adapter.stash(sid, ViewDefinition.builder(name).key("title", String.class).build(),
                        Map.of("title", "of " + name)));
            }
            for (String name : names) {
                assertThat(await(adapter.recover(sid, ViewDefinition.builder(name).key("title", String.class).build(),
                        MountKind.FRESH)).values()).as(name).containsOnly(Map.entry("title", "of " + name));
            }
        }
        try (Stream<Path> outside = Files.list(directory)) {
            assertThat(outside).as("what the storage directory's parent holds").containsExactly(root);
        }
        List<Path> files = filesUnder(root);
        assertThat(files).as("the storage directory's files").allSatisfy(file -> assertThat(file.toRealPath())
                .startsWith(root.toRealPath()));
        List<Path> objects = files.stream().filter(file -> file.getFileName().toString().endsWith(".obj")).toList();
        assertThat(objects).as("one session document for all views").hasSize(1);
        assertThat(files).as("besides it, only the backend's lock files").hasSize(3)
                .contains(root.resolve(".lock"), root.resolve(".owner"));
        assertThat(objects.get(0).getFileName().toString()).matches("[A-Za-z0-9%_-]+\\.obj");
    }

    /** Declared as an interface Jackson cannot construct: stored, it would be lost at the next recovery. */
    interface Shape {
    }

    record Circle(int radius) implements Shape {
    }

    record Drawing(@Nullable Shape shape) {
    }

    /** Its generic type is a key's declared type. */
    static @Nullable List<Shape> shapes;

    @Test
    void aValueThatDoesNotReadBackAsItsDeclaredTypeFailsAtStashTimeNamingViewAndKey() throws Exception {
        ViewDefinition view = ViewDefinition.builder("drawing").key("shape", Shape.class).key("circle", Circle.class)
                .key("anything", Object.class).build();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            for (int attempt = 0; attempt < 2; attempt++) { // also once its class's read-back was tried
                assertThatThrownBy(() -> adapter.stash(sid, view, Map.of("shape", new Circle(2))))
                        .isInstanceOf(InvalidStashValueException.class).hasMessageContaining("'shape'")
                        .hasMessageContaining("'drawing'").hasMessageContaining("does not read back as the key's"
                                + " declared type " + Shape.class.getTypeName());
            }
            assertThat(backend.count(Operation.PUT)).isZero();

            // (a Circle itself under "anything" would be recovered as a map: refused, see UntypedValuesTests)
            await(adapter.stash(sid, view, Map.of("circle", new Circle(2), "anything", Map.of("radius", 3))));
            await(adapter.stash(sid, view, Map.of("circle", new Circle(4))));
            assertThat(await(adapter.recover(sid, view, MountKind.FRESH)).values())
                    .containsOnly(Map.entry("circle", new Circle(4)), Map.entry("anything", Map.of("radius", 3)));
        }
        logs.expect(Level.WARN, "cannot stash key 'shape' of view 'drawing': value of type "
                + Circle.class.getName() + " is written as JSON that does not read back");
        try (StashAdapter logging = new StashAdapter(backend,
                Engines.settings().invalidValuePolicy(InvalidValuePolicy.LOG).build())) {
            await(logging.stash(sid, view, Map.of("shape", new Circle(5), "circle", new Circle(6))));
            assertThat(await(logging.recover(sid, view, MountKind.FRESH)).values()).as("the key skipped, the others kept")
                    .containsOnly(Map.entry("circle", new Circle(6)), Map.entry("anything", Map.of("radius", 3)));
        }
    }

    /** Whether a value reads back depends on its content: one that does is no pass for the next of its class. */
    @Test
    void eachValueIsReadBackNotOnlyTheFirstOfItsClass() throws Exception {
        ViewDefinition view = ViewDefinition.builder("drawing").key("drawing", Drawing.class)
                .key("shapes", BadInputTests.class.getDeclaredField("shapes").getGenericType()).build();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, view, Map.of("drawing", new Drawing(null), "shapes", new ArrayList<Shape>())));
            assertThatThrownBy(() -> adapter.stash(sid, view, Map.of("drawing", new Drawing(new Circle(2)))))
                    .isInstanceOf(InvalidStashValueException.class).hasMessageContaining("'drawing'");
            assertThatThrownBy(() -> adapter.stash(sid, view, Map.of("shapes", new ArrayList<Shape>(List.of(new Circle(3))))))
                    .isInstanceOf(InvalidStashValueException.class).hasMessageContaining("'shapes'");
            assertThat(await(adapter.recover(sid, view, MountKind.FRESH)).values())
                    .containsOnly(Map.entry("drawing", new Drawing(null)), Map.entry("shapes", List.of()));
        }
    }

    @Test
    void aValueJsonCannotRepresentFailsAtStashTimeNamingTheKeyAndNonFiniteNumbersRoundTrip() throws Exception {
        ViewDefinition view = ViewDefinition.builder("notes").key("items", List.class).key("ratio", double.class)
                .key("limit", Double.class).build();
        List<Object> cyclic = new ArrayList<>();
        cyclic.add(cyclic);
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            assertThatThrownBy(() -> adapter.stash(sid, view, Map.of("items", cyclic)))
                    .isInstanceOf(InvalidStashValueException.class).hasMessageContaining("'items'")
                    .hasMessageContaining("'notes'");
            assertThat(backend.count(Operation.PUT)).isZero();

            // JSON has no NaN or infinities: they are stored as the strings Jackson writes for them, and recovered.
            for (double value : new double[] { Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY }) {
                await(adapter.stash(sid, view, Map.of("ratio", value, "limit", value)));
                assertThat(await(adapter.recover(sid, view, MountKind.FRESH)).values()).as("%s", value)
                        .containsOnly(Map.entry("ratio", value), Map.entry("limit", value));
            }
        }
    }

    @Test
    void tooManyKeysAreRefusedOrIgnoredAndNeverFillTheDocument() throws Exception {
        Map<String, Object> undeclared = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            undeclared.put("k" + i, i);
        }
        ViewDefinition withMap = ViewDefinition.builder("notes").key("title", String.class).key("tags", Map.class).build();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().maxValueBytes(64 * 1024).build())) {
            assertThatThrownBy(() -> adapter.stash(sid, VIEW, undeclared))
                    .isInstanceOf(InvalidStashValueException.class).hasMessageContaining("has no stored key 'k");
            Map<String, Object> tags = new HashMap<>(undeclared);
            assertThatThrownBy(() -> adapter.stash(sid, withMap, Map.of("tags", tags)))
                    .isInstanceOf(InvalidStashValueException.class).hasMessageContaining("'tags'")
                    .hasMessageContaining("65536 bytes");
            assertThat(backend.count(Operation.PUT)).isZero();

            // A stored slice with thousands of keys the view does not declare: only the declared ones are recovered.
            await(adapter.stash(sid, VIEW, Map.of("title", "t")));
            String key = backend.keys().iterator().next();
            StringBuilder data = new StringBuilder("{\"title\":\"t\"");
            undeclared.forEach((name, value) -> data.append(",\"").append(name).append("\":").append(value));
            backend.write(key, ("{\"format\":1,\"views\":{\"notes\":{\"vsn\":1,\"data\":" + data + "}}}}")
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(await(adapter.recover(sid, VIEW, MountKind.FRESH)).values()).containsOnly(Map.entry("title", "t"));
        }
    }

    @Test
    void aFreshMountAndARejoinOfTheSameViewAtTheSameTimeNeverFailAndTheFreshMountClearsTheDraft() throws Exception {
        ViewDefinition compose = ViewDefinition.builder("compose").key("count", int.class)
                .key("draft", String.class, Scope.RECONNECT).build();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            int rejoinsWithDraft = 0;
            for (int round = 0; round < 200; round++) {
                await(adapter.stash(sid, compose, Map.of("count", round, "draft", "draft " + round)));
                // Issued back to back, in either order (the session's actor serves them in arrival order).
                CompletionStage<Recovery> fresh;
                CompletionStage<Recovery> rejoin;
                if (round % 2 == 0) {
                    fresh = adapter.recover(sid, compose, MountKind.FRESH);
                    rejoin = adapter.recover(sid, compose, MountKind.REJOIN);
                } else {
                    rejoin = adapter.recover(sid, compose, MountKind.REJOIN);
                    fresh = adapter.recover(sid, compose, MountKind.FRESH);
                }
                Recovery freshly = await(fresh);
                Recovery rejoined = await(rejoin);
                assertThat(freshly.status()).isEqualTo(RecoveryStatus.RECOVERED);
                assertThat(freshly.values()).containsOnly(Map.entry("count", round));
                assertThat(rejoined.status()).isEqualTo(RecoveryStatus.RECOVERED);
                assertThat(rejoined.values()).containsEntry("count", round);
                // Calls of one thread reach the session's actor in call order: the rejoin sees the draft
                // exactly when it was issued before the fresh mount.
                boolean rejoinFirst = round % 2 == 1;
                assertThat(rejoined.has("draft")).as("rejoin issued first: %s", rejoinFirst).isEqualTo(rejoinFirst);
                if (rejoinFirst) {
                    assertThat(rejoined.values()).containsEntry("draft", "draft " + round);
                    rejoinsWithDraft++;
                }
                assertThat(await(adapter.recover(sid, compose, MountKind.REJOIN)).has("draft"))
                        .as("the draft after a fresh mount").isFalse();
            }
            System.out.println("BadInputTests: of 200 fresh mounts and rejoins at the same time, " + rejoinsWithDraft
                    + " rejoins came first and saw the draft");
        }
    }

    private static List<Path> filesUnder(Path root) throws IOException {
        try (Stream<Path> tree = Files.walk(root)) {
            return tree.filter(Files::isRegularFile).toList();
        }
    }

    private static String sha256Prefix(byte[] body) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body), 0, 8);
    }

    /**
     * A string cut in the middle of an emoji holds a lone surrogate. It is a valid Java string: it is
     * stashed, acknowledged and recovered as it was, and the session's other views go on being written.
     */
    @Test
    void aStringWithALoneSurrogateIsStashedAndRecoveredAsItWas() throws Exception {
        String cut = "Dear \uD83D\uDE00 friend".substring(0, 6) + "\u2026"; // "Dear ", half an emoji, an ellipsis
        ViewDefinition other = ViewDefinition.builder("other").key("n", int.class).build();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            await(adapter.stash(sid, VIEW, Map.of("title", cut)));
            await(adapter.stash(sid, other, Map.of("n", 1)));
            assertThat(await(adapter.recover(sid, VIEW, MountKind.FRESH)).values()).containsEntry("title", cut);
        }
        try (StashAdapter restarted = new StashAdapter(backend, Engines.settings().build())) {
            assertThat(await(restarted.recover(sid, VIEW, MountKind.FRESH)).values()).containsEntry("title", cut);
            assertThat(await(restarted.recover(sid, other, MountKind.FRESH)).values()).containsEntry("n", 1);
        }
    }

    /**
     * A map key with half of a surrogate pair cannot be a JSON property name the engine reads back: the
     * stash fails at once naming view and key, as any value that is not JSON does, and writes nothing.
     */
    @Test
    void aMapKeyWithALoneSurrogateFailsAtStashTimeNamingViewAndKey() {
        ViewDefinition view = ViewDefinition.builder("tags").key("counts", Object.class).build();
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().build())) {
            assertThatThrownBy(() -> adapter.stash(sid, view, Map.of("counts", Map.of("ok\uD83D", 1))))
                    .isInstanceOf(InvalidStashValueException.class)
                    .hasMessageContaining("'counts'")
                    .hasMessageContaining("'tags'");
            assertThat(backend.count(Operation.PUT)).isZero();
        }
    }
}
