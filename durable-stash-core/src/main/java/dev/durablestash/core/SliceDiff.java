package dev.durablestash.core;

import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import tools.jackson.databind.JsonNode;

/**
 * A per-key change to one view's slice of the session document: keys to set (already normalised to
 * JSON) and keys to remove, or the removal of the whole slice. Immutable; the JSON nodes are never
 * modified after construction.
 *
 * <p>The writes a recover calls for (the actor's own, which may be applied again to a newer document
 * after a conflict: another instance wrote meanwhile) are conditional, so that they never undo such a
 * write: a migrated slice is written back only over the stale slice ({@link Mode#REPLACE}), and a
 * fresh mount's {@code RECONNECT} keys are cleared only while they hold what the recover saw
 * ({@link Mode#CLEAR}).
 *
 * <p>A merge into a slice stored under another {@code vsn} first migrates that slice with the view's
 * migrator (so keys the diff does not touch survive, even when the migrated slice was never written
 * back); without a migrator, or when it drops the slice or fails, the diff replaces the slice: data of
 * two versions never mix. Diffs are idempotent: applying one twice (after a lost response) changes
 * nothing more.
 */
final class SliceDiff {

    private final String view;
    private final int vsn;
    private final Map<String, JsonNode> sets;
    private final Set<String> removes;
    private final Mode mode;
    private final @Nullable Migrator migrator;
    /** For {@link Mode#REPLACE} and {@link Mode#DROP_STALE}: the stale slice the recover migrated; else {@code null}. */
    private final SessionDocument.@Nullable Slice migratedFrom;
    /** For {@link Mode#CLEAR}: the values the recover saw, by key (the keys it removes); else empty. */
    private final Map<String, JsonNode> seen;

    /** How a diff changes its slice. */
    enum Mode {
        /** Set and remove keys; other keys stay. */
        MERGE,
        /**
         * A migrated slice being written back: the slice becomes exactly the set keys, but only while
         * it is still stored under another {@code vsn}. Once a writer has stored the current version
         * (another instance migrated and stashed meanwhile), its data wins and this diff changes nothing.
         * Should the stale slice stored now differ from the one migrated (an instance of the older
         * release stashed meanwhile, its write acknowledged), the slice stored now is migrated instead.
         */
        REPLACE,
        /** The slice is removed. */
        RESET,
        /**
         * A migrator dropped the slice: it is removed only while it is still stored under another
         * {@code vsn}, and, like {@link #REPLACE}, a stale slice other than the one migrated is migrated again.
         */
        DROP_STALE,
        /**
         * A fresh mount clears the view's {@code RECONNECT} keys: each is removed only while its stored
         * value is still the one the recover saw (compared as JSON), in a slice stored under the view's
         * {@code vsn}. A value stashed since (by another instance, acknowledged after the fresh mount was
         * answered) is kept; so is a slice reset, or stored under another {@code vsn}, since. Compared by
         * value: a value stashed since that is the very JSON seen is removed all the same, and a failed
         * stash's value whose write landed after the recover read is kept.
         */
        CLEAR
    }

    private SliceDiff(String view, int vsn, Map<String, JsonNode> sets, Set<String> removes, Mode mode,
            @Nullable Migrator migrator, SessionDocument.@Nullable Slice migratedFrom) {
        this(view, vsn, sets, removes, mode, migrator, migratedFrom, Map.of());
    }

    private SliceDiff(String view, int vsn, Map<String, JsonNode> sets, Set<String> removes, Mode mode,
            @Nullable Migrator migrator, SessionDocument.@Nullable Slice migratedFrom, Map<String, JsonNode> seen) {
        this.view = view;
        this.vsn = vsn;
        this.sets = sets;
        this.removes = removes;
        this.mode = mode;
        this.migrator = migrator;
        this.migratedFrom = migratedFrom;
        this.seen = seen;
    }

    static SliceDiff of(ViewDefinition view, Map<String, JsonNode> sets, Set<String> removes) {
        return new SliceDiff(view.name(), view.vsn(), Map.copyOf(sets), Set.copyOf(removes), Mode.MERGE, view.migrator(),
                null);
    }

    /**
     * @param data what the view's migrator made of {@code stale}
     * @param stale the slice stored under another {@code vsn} that was migrated
     */
    static SliceDiff replace(ViewDefinition view, Map<String, JsonNode> data, SessionDocument.Slice stale) {
        return new SliceDiff(view.name(), view.vsn(), Map.copyOf(data), Set.of(), Mode.REPLACE, view.migrator(), stale);
    }

    /** @param stale the slice stored under another {@code vsn} that the view's migrator dropped */
    static SliceDiff dropStale(ViewDefinition view, SessionDocument.Slice stale) {
        return new SliceDiff(view.name(), view.vsn(), Map.of(), Set.of(), Mode.DROP_STALE, view.migrator(), stale);
    }

    /**
     * @param seen the {@code RECONNECT} keys a fresh mount does not recover, with the values it saw
     *     stored: each is removed only while it still holds that value
     */
    static SliceDiff clear(ViewDefinition view, Map<String, JsonNode> seen) {
        return new SliceDiff(view.name(), view.vsn(), Map.of(), Set.copyOf(seen.keySet()), Mode.CLEAR, null, null,
                Map.copyOf(seen));
    }

    static SliceDiff reset(ViewDefinition view) {
        return new SliceDiff(view.name(), view.vsn(), Map.of(), Set.of(), Mode.RESET, null, null);
    }

    /** A diff that changes nothing: written to refresh the expiry or to move the document. */
    static SliceDiff touch() {
        return new SliceDiff("", 0, Map.of(), Set.of(), Mode.MERGE, null, null);
    }

    String view() {
        return view;
    }

    int vsn() {
        return vsn;
    }

    Map<String, JsonNode> sets() {
        return sets;
    }

    Set<String> removes() {
        return removes;
    }

    /** @return for {@link Mode#CLEAR}, the value the recover saw under each key it removes; else empty */
    Map<String, JsonNode> seen() {
        return seen;
    }

    Mode mode() {
        return mode;
    }

    /**
     * @return the view's migrator, which a merge runs on a slice stored under another {@code vsn}, and a
     *     write-back on a stale slice other than the one it was made from
     */
    @Nullable Migrator migrator() {
        return migrator;
    }

    /**
     * @return this diff without the view's migrator: a merge into a slice stored under another
     *     {@code vsn} then replaces that slice, as when the migrator fails
     */
    SliceDiff withoutMigrator() {
        return migrator == null ? this : new SliceDiff(view, vsn, sets, removes, mode, null, migratedFrom, seen);
    }

    /** @return this merge without its keys: applied, it only migrates the view's slice stored under another vsn */
    SliceDiff onlyMigrating() {
        return new SliceDiff(view, vsn, Map.of(), Set.of(), mode, migrator, migratedFrom, Map.of());
    }

    /** @return whether applied to {@code document}, this merge migrates the view's slice stored under another vsn */
    boolean migratesAStaleSliceOf(SessionDocument document) {
        SessionDocument.Slice current = isTouch() ? null : document.slice(view);
        return mode == Mode.MERGE && migrator != null && current != null && current.vsn() != vsn;
    }

    /** @return for a write-back ({@link Mode#REPLACE}, {@link Mode#DROP_STALE}), the stale slice it was made from */
    SessionDocument.@Nullable Slice migratedFrom() {
        return migratedFrom;
    }

    boolean isTouch() {
        return view.isEmpty();
    }

    @Override
    public String toString() {
        if (isTouch()) {
            return "SliceDiff[touch]";
        }
        return "SliceDiff[" + view + " " + mode + " set=" + sets.keySet() + " remove=" + removes + "]";
    }
}
