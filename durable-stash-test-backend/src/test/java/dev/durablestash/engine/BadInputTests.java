package dev.durablestash.engine;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.failureOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import ch.qos.logback.classic.Level;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.InvalidStashValueException;
import dev.durablestash.core.MountKind;
import dev.durablestash.core.Recovery;
import dev.durablestash.core.RecoveryStatus;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashWriteException;
import dev.durablestash.core.ViewDefinition;
import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageException;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/** Bad values and bad stored documents each have a defined outcome, and nothing leaks or crashes. */
class BadInputTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash.core.SessionStorage");

    static final ViewDefinition VIEW = ViewDefinition.builder("notes")
            .key("title", String.class)
            .key("count", int.class)
            .key("blob", String.class)
            .build();

    final InMemoryStorageBackend backend = new InMemoryStorageBackend();
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
        StorageBackend refusingQuarantine = new StorageBackend() {
            @Override
            public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
                return backend.get(key, ifNoneMatch);
            }

            @Override
            public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
                return key.contains(".corrupt-") ? CompletableFuture.failedFuture(new StorageException("refused", null))
                        : backend.put(key, body, precondition);
            }

            @Override
            public CompletionStage<Boolean> delete(String key, @Nullable String ifMatch) {
                return backend.delete(key, ifMatch);
            }
        };
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
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().maxDocumentBytes(2_000).build())) {
            await(adapter.recover(sid, VIEW, MountKind.FRESH));
            backend.setLatency(Operation.PUT, java.time.Duration.ofMillis(100));
            CompletionStage<Void> first = adapter.stash(sid, VIEW, Map.of("title", "first")); // in flight
            CompletionStage<Void> small = adapter.stash(sid, VIEW, Map.of("count", 2));
            CompletionStage<Void> huge = adapter.stash(sid, VIEW, Map.of("blob", "x".repeat(5_000)));
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
}
