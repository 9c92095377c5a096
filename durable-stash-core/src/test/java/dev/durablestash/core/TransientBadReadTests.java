package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import ch.qos.logback.classic.Level;
import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * A transient bad read, as a flaky store answers it, is a body cut short (or empty) with the
 * stored object's own ETag; the object itself is intact. Such a read must not lose acknowledged
 * state (the reason for the quarantine: one torn or transiently bad read must not wipe a
 * whole browser session). An unreadable answer is read again: only the same bytes twice are
 * unreadable for real.
 */
class TransientBadReadTests {

    static final ViewDefinition VIEW = ViewDefinition.builder("notes").key("title", String.class)
            .key("n", Integer.class).build();

    @RegisterExtension
    final OpenEngines engines = new OpenEngines();

    /** Fails a test on an unexpected ERROR (the transient bad read's WARN is below this module's log level). */
    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash.core.SessionStorage",
            "dev.durablestash.core.SessionActor");

    final MapStorageBackend store = new MapStorageBackend();
    final TearingBackend tearing = new TearingBackend(store);
    final String sid = SessionIds.newSid();

    @Test
    void oneTornReadOfAPlainDocumentLosesNoAcknowledgedState() throws Exception {
        await(engines.open(store, Engines.settings()).stash(sid, VIEW, Map.of("title", "acknowledged", "n", 1)));

        StashAdapter engine = engines.open(tearing, Engines.settings());
        tearing.tearNextGets(20); // one read answers the first 20 bytes, with the object's ETag
        engine.recover(sid, VIEW, MountKind.FRESH).toCompletableFuture().handle((r, e) -> null).join();
        // The app goes on: the user changes another key (a write that is acknowledged).
        engine.stash(sid, VIEW, Map.of("n", 2)).toCompletableFuture().handle((r, e) -> null).join();

        assertThat(await(engines.open(store, Engines.settings()).recover(sid, VIEW, MountKind.FRESH)).values())
                .as("the acknowledged title, stored intact, after one torn read").containsEntry("title", "acknowledged");
    }

    @Test
    void twoSeparateTransientEmptyReadsOfAnEncryptedDocumentLoseNothing() throws Exception {
        StashSettings.Builder encrypted = Engines.settings().encryptAtRest(true);
        await(engines.open(store, encrypted).stash(sid, VIEW, Map.of("title", "acknowledged", "n", 1)));

        // First glitch: an empty answer. Reported as ERROR, copy kept aside (as documented).
        StashAdapter first = engines.open(tearing, encrypted);
        tearing.tearNextGets(0);
        first.recover(sid, VIEW, MountKind.FRESH).toCompletableFuture().handle((r, e) -> null).join();
        assertThat(await(engines.open(store, encrypted).recover(sid, VIEW, MountKind.FRESH)).values())
                .as("the store answers correctly again").containsEntry("title", "acknowledged");

        // Much later, another instance (or this one after a restart) meets the same kind of glitch once.
        StashAdapter later = engines.open(tearing, encrypted);
        tearing.tearNextGets(0);
        later.recover(sid, VIEW, MountKind.FRESH).toCompletableFuture().handle((r, e) -> null).join();
        later.stash(sid, VIEW, Map.of("n", 2)).toCompletableFuture().handle((r, e) -> null).join();

        assertThat(await(engines.open(store, encrypted).recover(sid, VIEW, MountKind.FRESH)).values())
                .as("the acknowledged title, stored intact, after a second transient empty read")
                .containsEntry("title", "acknowledged");
    }

    @Test
    void twoDifferentUnreadableReadsFailTheLoadAndNothingIsKeptAsideOrReplaced() throws Exception {
        logs.expect(Level.ERROR, "unreadable in two reads with different contents");
        await(engines.open(store, Engines.settings()).stash(sid, VIEW, Map.of("title", "acknowledged", "n", 1)));

        StashAdapter engine = engines.open(tearing, Engines.settings());
        tearing.tearNextGets(20, 10); // two torn answers, cut at different places
        assertThat(await(engine.recover(sid, VIEW, MountKind.FRESH)).status())
                .as("unreadability not confirmed: the load fails").isEqualTo(RecoveryStatus.ERROR);
        await(engine.stash(sid, VIEW, Map.of("n", 2))); // the store answers correctly again

        assertThat(await(engines.open(store, Engines.settings()).recover(sid, VIEW, MountKind.FRESH)).values())
                .containsEntry("title", "acknowledged").containsEntry("n", 2);
        assertThat(store.keys()).as("nothing kept aside").noneMatch(key -> key.contains(".corrupt-"));
    }

    @Test
    void theSameUnreadableBytesInTwoReadsAreKeptAsideAsReadAndReplacedByTheNextWrite() throws Exception {
        logs.expect(Level.ERROR, "the same bytes in two reads");
        await(engines.open(store, Engines.settings()).stash(sid, VIEW, Map.of("title", "acknowledged", "n", 1)));

        StashAdapter engine = engines.open(tearing, Engines.settings());
        tearing.tearNextGets(20, 20); // torn the same way twice: indistinguishable from a corrupt object
        assertThat(await(engine.recover(sid, VIEW, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);

        assertThat(store.keys()).as("the bytes both reads returned, kept aside").anySatisfy(key -> {
            assertThat(key).contains(".corrupt-");
            assertThat(store.read(key).orElseThrow()).hasSize(20);
        });
    }

    /** Answers the next GETs of session documents with their first bytes only, and their real ETag. */
    static final class TearingBackend extends ForwardingBackend {

        private final Queue<Integer> tears = new ConcurrentLinkedQueue<>();

        TearingBackend(StorageBackend delegate) {
            super(delegate);
        }

        /** The next GETs, one per argument, answer that many first bytes. */
        void tearNextGets(int... keepBytes) {
            tears.clear();
            Arrays.stream(keepBytes).forEach(tears::add);
        }

        @Override
        public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
            return delegate.get(key, ifNoneMatch).thenApply(result -> {
                if (result instanceof GetResult.Found found && !key.contains(".corrupt-")) {
                    Integer keep = tears.poll();
                    if (keep != null) {
                        return new GetResult.Found(Arrays.copyOf(found.body(), Math.min(keep, found.body().length)),
                                found.etag());
                    }
                }
                return result;
            });
        }
    }
}
