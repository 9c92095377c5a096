package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MapStorageBackend.Operation;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A fresh mount on instance A is answered, and its clearing of the view's {@code RECONNECT} keys (the
 * actor's own write) is written after it. Another instance B writes before that write lands, so it
 * meets a conflict, and A applies it again to the newer document: it removes a key only while it
 * still holds the value the fresh mount saw. A draft B stashed, acknowledged after the fresh mount was
 * answered, is kept; a draft B left alone is still cleared; a view B reset stays without a slice.
 * A's clearing is held by hand and released after B's write; A's rejoin, queued behind it, reads
 * what it left.
 */
class FreshMountClearUnderAConflictTests {

    static final ViewDefinition VIEW = ViewDefinition.builder("compose").key("title", String.class)
            .key("draft", String.class, Scope.RECONNECT).build();

    @RegisterExtension
    final OpenEngines engines = new OpenEngines();

    final MapStorageBackend store = new MapStorageBackend();
    final HeldBackend heldForA = new HeldBackend(store);
    final String sid = SessionIds.newSid();

    StashAdapter instanceA(StashSettings.Builder settings) {
        return engines.open(heldForA, settings.retryBackoff(Duration.ZERO, Duration.ZERO));
    }

    /** A fresh mount on {@code a}, answered while its clearing write is held; the write, not yet sent on. */
    HeldBackend.Held freshMountWithItsClearingHeld(StashAdapter a, ViewDefinition view) throws Exception {
        heldForA.hold(Operation.PUT);
        Recovery fresh = await(a.recover(sid, view, MountKind.FRESH));
        assertThat(fresh.values()).as("the fresh mount's answer").doesNotContainKey("draft");
        return heldForA.next();
    }

    /** Lets the held clearing go on (refused: A reloads and writes again), and waits for A to finish it. */
    Recovery releasedThenRejoinedOnA(StashAdapter a, HeldBackend.Held clearing, ViewDefinition view) throws Exception {
        heldForA.stopHolding();
        clearing.release().run();
        return await(a.recover(sid, view, MountKind.REJOIN)); // queued behind the clearing
    }

    @Test
    void aDraftAnotherInstanceStashedAfterAFreshMountWasAnsweredIsKept() throws Exception {
        StashAdapter a = instanceA(Engines.settings());
        StashAdapter b = engines.open(store, Engines.settings());
        await(b.stash(sid, VIEW, Map.of("title", "t", "draft", "old draft")));

        HeldBackend.Held clearing = freshMountWithItsClearingHeld(a, VIEW);
        await(b.stash(sid, VIEW, Map.of("draft", "new draft"))); // acknowledged after the fresh mount completed

        assertThat(releasedThenRejoinedOnA(a, clearing, VIEW).values())
                .containsOnly(Map.entry("title", "t"), Map.entry("draft", "new draft"));
        assertThat(await(b.recover(sid, VIEW, MountKind.REJOIN)).values())
                .containsOnly(Map.entry("title", "t"), Map.entry("draft", "new draft"));
    }

    @Test
    void aDraftAnotherInstanceLeftAloneIsStillClearedAfterTheConflict() throws Exception {
        StashAdapter a = instanceA(Engines.settings());
        StashAdapter b = engines.open(store, Engines.settings());
        await(b.stash(sid, VIEW, Map.of("title", "t", "draft", "old draft")));

        HeldBackend.Held clearing = freshMountWithItsClearingHeld(a, VIEW);
        await(b.stash(sid, VIEW, Map.of("title", "t2"))); // another key: the draft is still the one seen

        assertThat(releasedThenRejoinedOnA(a, clearing, VIEW).values()).containsOnly(Map.entry("title", "t2"));
        assertThat(await(b.recover(sid, VIEW, MountKind.REJOIN)).values()).containsOnly(Map.entry("title", "t2"));
    }

    @Test
    void aViewAnotherInstanceResetMeanwhileIsNotStoredAgainAsAnEmptySlice() throws Exception {
        ViewDefinition other = ViewDefinition.builder("other").key("n", Integer.class).build();
        StashAdapter a = instanceA(Engines.settings());
        StashAdapter b = engines.open(store, Engines.settings());
        await(b.stash(sid, VIEW, Map.of("title", "t", "draft", "old draft")));
        await(b.stash(sid, other, Map.of("n", 1)));

        HeldBackend.Held clearing = freshMountWithItsClearingHeld(a, VIEW);
        await(b.reset(sid, VIEW));

        assertThat(releasedThenRejoinedOnA(a, clearing, VIEW).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
        assertThat(await(b.recover(sid, VIEW, MountKind.REJOIN)).status()).isEqualTo(RecoveryStatus.NOT_FOUND);
    }

    @Test
    void aDraftStashedAfterAMigratingFreshMountIsKeptAndTheWriteBackLeavesTheNewerSlice() throws Exception {
        ViewDefinition v1 = ViewDefinition.builder("compose").key("subject", String.class)
                .key("draft", String.class, Scope.RECONNECT).build();
        ViewDefinition v2 = ViewDefinition.builder("compose").vsn(2).key("title", String.class)
                .key("draft", String.class, Scope.RECONNECT).migrator((storedVsn, data) -> {
                    ObjectNode migrated = data.objectNode();
                    migrated.set("title", data.get("subject"));
                    if (data.has("draft")) {
                        migrated.set("draft", data.get("draft"));
                    }
                    return migrated;
                }).build();
        StashAdapter a = instanceA(Engines.settings());
        StashAdapter b = engines.open(store, Engines.settings());
        await(b.stash(sid, v1, Map.of("subject", "t", "draft", "old draft")));

        // A's own writes: the migrated slice written back, then the draft cleared.
        HeldBackend.Held writes = freshMountWithItsClearingHeld(a, v2);
        await(b.stash(sid, v2, Map.of("draft", "new draft"))); // B runs the new release too: the slice is vsn 2

        assertThat(releasedThenRejoinedOnA(a, writes, v2).values())
                .containsOnly(Map.entry("title", "t"), Map.entry("draft", "new draft"));
        assertThat(await(b.recover(sid, v2, MountKind.REJOIN)).values())
                .containsOnly(Map.entry("title", "t"), Map.entry("draft", "new draft"));
    }

    @Test
    void aNumberDraftIsClearedAfterTheConflictAlsoWhenTheApplicationsMapperReadsItAsAnotherNode() throws Exception {
        ViewDefinition view = ViewDefinition.builder("form").key("title", String.class)
                .key("step", Integer.class, Scope.RECONNECT).build();
        // The fresh mount sees the node A's own stash cached (a BigInteger node); after the conflict A reads
        // the document back, where the same JSON is an int node.
        StashAdapter a = instanceA(Engines.settings().jsonMapper(
                JsonMapper.builder().enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS).build()));
        StashAdapter b = engines.open(store, Engines.settings());
        await(a.stash(sid, view, Map.of("title", "t", "step", 5)));

        HeldBackend.Held clearing = freshMountWithItsClearingHeld(a, view);
        await(b.stash(sid, view, Map.of("title", "t2")));

        assertThat(releasedThenRejoinedOnA(a, clearing, view).values()).containsOnly(Map.entry("title", "t2"));
        assertThat(await(b.recover(sid, view, MountKind.REJOIN)).values()).containsOnly(Map.entry("title", "t2"));
    }
}
