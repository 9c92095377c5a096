package dev.durablestash.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The read rule, beside the merge rule ({@link SessionDocument#apply}): what a view recovers from a
 * session document, and which writes that recovery calls for. A pure function of the document, the
 * view and the mount kind (plus the view's migrator); it touches no storage.
 *
 * <ul>
 * <li>No slice: {@link RecoveryStatus#NOT_FOUND}.</li>
 * <li>A slice under another {@code vsn}: migrated and written back ({@link SliceDiff#replace}), or,
 * without a migrator (or when it fails, or returns data the document could not hold: {@link
 * MigratedData}), {@code NOT_FOUND}, the slice kept; a migrator that returns {@code null} drops
 * the slice ({@link SliceDiff#dropStale}).</li>
 * <li>{@link Scope#RECONNECT} keys on a {@link MountKind#FRESH fresh} mount: not recovered, and
 * cleared in storage, each only while it still holds the value this recover saw ({@link
 * SliceDiff.Mode#CLEAR}): a draft another instance stashes before the clearing lands is kept, unless it
 * is the very value seen (compared by value), and so is a failed stash's draft landing late.</li>
 * <li>A stored value that no longer fits its declared type: not recovered (the view keeps its
 * default for that key), logged.</li>
 * </ul>
 */
final class ViewRecovery {

    private static final Logger log = LoggerFactory.getLogger(ViewRecovery.class);

    /** A recovery and the writes it calls for, in order. */
    record Outcome(Recovery recovery, List<SliceDiff> writes) {
    }

    private ViewRecovery() {
    }

    static Outcome recover(SessionDocument document, ViewDefinition view, MountKind mount, ValueCodec codec) {
        SessionDocument.Slice slice = document.slice(view.name());
        if (slice == null) {
            return new Outcome(Recovery.notFound(), List.of());
        }
        List<SliceDiff> writes = List.of(); // made when a write is called for: most recovers call for none
        @Nullable ObjectNode data = null; // the migrated data; else the slice's own members are read
        if (slice.vsn() != view.vsn()) {
            writes = new ArrayList<>(2);
            data = migrate(view, slice, writes);
            if (data == null) {
                return new Outcome(Recovery.notFound(), writes);
            }
            Map<String, JsonNode> writeBack = new LinkedHashMap<>();
            data.properties().forEach(e -> writeBack.put(e.getKey(), e.getValue()));
            writes.add(SliceDiff.replace(view, writeBack, slice));
        }
        Map<String, @Nullable Object> values = new LinkedHashMap<>(view.keys().size() * 2);
        Map<String, JsonNode> reconnectToClear = null; // with the values seen: cleared only while still stored
        for (StoredKey storedKey : view.keys().values()) {
            JsonNode node = data == null ? slice.get(storedKey.name()) : data.get(storedKey.name());
            if (node == null) {
                continue;
            }
            if (storedKey.scope() == Scope.RECONNECT && mount == MountKind.FRESH) {
                if (reconnectToClear == null) {
                    reconnectToClear = new LinkedHashMap<>();
                }
                reconnectToClear.put(storedKey.name(), node);
                continue;
            }
            try {
                values.put(storedKey.name(), data == null
                        ? codec.decode(slice, storedKey.name(), node, storedKey.type())
                        : codec.decode(node, storedKey.type()));
            } catch (RuntimeException e) { // JacksonException, or whatever a custom deserializer throws
                log.warn("stored value of key '{}' of view '{}' does not fit {}; the view keeps its default: {}",
                        storedKey.name(), view.name(), storedKey.type().getTypeName(), e.getMessage());
            }
        }
        if (reconnectToClear != null) {
            if (writes.isEmpty()) {
                writes = new ArrayList<>(1);
            }
            writes.add(SliceDiff.clear(view, reconnectToClear));
        }
        return new Outcome(Recovery.recovered(values), writes);
    }

    /** @return the migrated data, or {@code null} when the slice is not recovered */
    private static @Nullable ObjectNode migrate(ViewDefinition view, SessionDocument.Slice slice, List<SliceDiff> writes) {
        Migrator migrator = view.migrator();
        if (migrator == null) {
            log.debug("view '{}' is stored with vsn {}, current vsn is {} and there is no migrator: dropped",
                    view.name(), slice.vsn(), view.vsn());
            return null;
        }
        ObjectNode migrated;
        try {
            migrated = migrator.migrate(slice.vsn(), slice.data().deepCopy());
        } catch (Throwable e) { // also an Error (a failed assert) or a checked exception thrown undeclared
            if (e instanceof VirtualMachineError fatal) {
                throw fatal; // out of memory, a stack overflow: not the migrator's verdict on the data
            }
            log.error("migrator of view '{}' failed from vsn {} to {}; the stored slice is ignored",
                    view.name(), slice.vsn(), view.vsn(), e);
            return null;
        }
        if (migrated == null) {
            writes.add(SliceDiff.dropStale(view, slice));
            return null;
        }
        try {
            return MigratedData.checked(migrated);
        } catch (MigratedData.UnstorableException e) {
            // Written back, such data could make the document unreadable: a failed migration, the slice kept.
            log.error("migrator of view '{}' returned data that cannot be stored (from vsn {} to {}), so the stored"
                    + " slice is ignored: {}", view.name(), slice.vsn(), view.vsn(), e.getMessage());
            return null;
        }
    }
}
