package dev.durablestash.core;

import java.lang.reflect.Type;
import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one stored object per browser session: each view's slice ({@code vsn} + {@code data}) and the
 * document's expiry. The unit of compare-and-swap.
 *
 * <pre>{@code
 * {"format":1,"expiresAt":"2026-12-03T10:15:30Z",
 *  "views":{"counter":{"vsn":1,"data":{"count":3}}}}
 * }</pre>
 *
 * <p>A <b>move marker</b> ({@code "moved":true}) is left under an older secret's key while a secret
 * rotation moves the document to the newer key: it keeps the content that is being moved and tells
 * every reader to look under the newer key (see {@link SessionStorage}). An empty one is also the fence an
 * end or a sid rotation leaves under the next secret's key in the first step of a secret rotation: every
 * reader passes over it to the older keys.
 *
 * <p>Immutable: {@link #apply} returns a new document that shares unchanged slices and values with
 * this one. JSON nodes held here are never modified.
 *
 * <p>{@link #apply} is the merge rule (per key, the diff wins). The document's JSON is assembled by
 * {@link #toBytes} from each slice's cached encoding ({@link JsonBytes} writes a slice of simple
 * values directly) and read by {@link #parse}; {@link DocumentCodec} turns it into stored bytes.
 */
final class SessionDocument {

    /** The layout this code writes and reads. A document with a higher number is refused, not overwritten. */
    static final int FORMAT = 1;

    /**
     * Writes and reads documents: {@link StashJson#DOCUMENTS}, which reads decimal numbers as BigDecimal,
     * so a stored value loses no digits on its way through a document.
     */
    static final JsonMapper MAPPER = StashJson.DOCUMENTS;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Logger log = LoggerFactory.getLogger(SessionDocument.class);

    /**
     * A view's slice. Its {@code data} members are kept compactly, in their order (the order of the
     * JSON object they were read from, or in which a merge set them), and never modified once the slice
     * is built, so an encoding through the mapper is computed once and reused by every document that
     * shares the slice (a write re-encodes only the slices it changed); a slice of only strings,
     * integers, booleans and nulls is written directly each time instead (cheap, and nothing kept per
     * live session). Thread-safe.
     */
    static final class Slice {

        private static final Object[] NO_MEMBERS = {};
        /** Above this many members, a name is looked up in an index instead of compared with every name. */
        private static final int SCAN = 8;

        private final int vsn;
        /**
         * {@code data}'s members in their order, name then value: {@code name0, value0, name1, value1, …}
         * (one array instead of an {@code ObjectNode}'s map and entries: heap per live session).
         */
        private final Object[] members;
        /**
         * For more than {@value #SCAN} members, a hash table of their positions by name, made by the first
         * lookup (a slice only written, never read, needs none); else {@code null}.
         */
        private volatile int @Nullable [] index;
        /**
         * {@code "name":{"vsn":…,"data":…}} for the last name a slice the mapper writes was encoded
         * under ({@link #encodedFor}, {@link #encodeInto}), kept; or {@code null}.
         */
        private volatile @Nullable Encoded encoded;
        /** Decoded values of immutable types by key (see {@link ValueCodec#decode(Slice, String, JsonNode, Type)}), or {@code null}. */
        private volatile @Nullable ConcurrentHashMap<String, Decoded> decoded;

        /** A value decoded from {@code node} (an instance held by {@code data}) to {@code type} by {@code codec}. */
        record Decoded(ValueCodec codec, JsonNode node, Type type, @Nullable Object value) {
        }

        private record Encoded(String name, byte[] bytes) {
        }

        private Slice(int vsn, Object[] members) {
            this.vsn = vsn;
            this.members = members;
        }

        /** @return a slice of {@code data}'s members in its order; the value nodes are shared, not copied */
        static Slice of(int vsn, ObjectNode data) {
            Object[] members = new Object[2 * data.size()];
            int at = 0;
            for (Map.Entry<String, JsonNode> property : data.properties()) {
                members[at++] = property.getKey();
                members[at++] = property.getValue();
            }
            return new Slice(vsn, members);
        }

        /**
         * The merge of one slice, as an insertion-ordered map would do it: {@code base}'s members without
         * {@code removes}, then {@code sets}, a key already there keeping its place and a new one going last.
         *
         * @param base the members merged into, or {@code null} for none
         */
        static Slice merged(int vsn, @Nullable Slice base, Set<String> removes, Map<String, JsonNode> sets) {
            Object[] from = base == null ? NO_MEMBERS : base.members;
            Object[] out = new Object[from.length + 2 * sets.size()];
            int end = 0;
            for (int i = 0; i < from.length; i += 2) {
                if (removes.isEmpty() || !removes.contains(from[i])) {
                    out[end++] = from[i];
                    out[end++] = from[i + 1];
                }
            }
            // A set name is looked for among the kept members only: the set names differ from each other.
            // A few are found fastest by looking at each name; many through an index: the base's own when
            // nothing was removed (the kept members are where they are in the base), else one of the kept.
            int kept = end;
            boolean many = (kept / 2) * sets.size() > 256;
            int @Nullable [] table = !many ? null : base != null && kept == from.length ? base.index() : indexByName(out, kept);
            for (Map.Entry<String, JsonNode> set : sets.entrySet()) {
                String name = set.getKey();
                int at = table == null ? indexOf(out, kept, name) : lookup(out, table, name);
                if (at >= 0) {
                    out[at + 1] = set.getValue();
                } else {
                    out[end++] = name;
                    out[end++] = set.getValue();
                }
            }
            return new Slice(vsn, end == out.length ? out : Arrays.copyOf(out, end));
        }

        private static int indexOf(Object[] members, int end, String name) {
            int hash = name.hashCode();
            for (int i = 0; i < end; i += 2) {
                String candidate = (String) members[i];
                if (candidate == name || (candidate.hashCode() == hash && candidate.equals(name))) {
                    return i;
                }
            }
            return -1;
        }

        /**
         * @return an open-addressing hash table of the positions (plus one; 0 is empty) of the names in
         *     {@code members} before {@code end}, half full at most
         */
        private static int[] indexByName(Object[] members, int end) {
            int[] table = new int[Integer.highestOneBit(end - 1) << 1]; // at least twice the members
            int mask = table.length - 1;
            for (int i = 0; i < end; i += 2) {
                int slot = spread(members[i].hashCode()) & mask;
                while (table[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                table[slot] = i + 1;
            }
            return table;
        }

        private static int spread(int hash) {
            return hash ^ (hash >>> 16);
        }

        /** @return the position of the member {@code name} in {@code members}, found through {@code table}, or -1 */
        private static int lookup(Object[] members, int[] table, String name) {
            int hash = name.hashCode();
            int mask = table.length - 1;
            for (int slot = spread(hash) & mask;; slot = (slot + 1) & mask) {
                int entry = table[slot];
                if (entry == 0) {
                    return -1;
                }
                String candidate = (String) members[entry - 1];
                if (candidate == name || (candidate.hashCode() == hash && candidate.equals(name))) {
                    return entry - 1;
                }
            }
        }

        /** @return this slice's index of its names, made by the first call (a slice only written, never read, needs none) */
        private int[] index() {
            int[] table = index;
            if (table == null) {
                table = indexByName(members, members.length);
                index = table; // a lost race makes the same index twice, nothing else
            }
            return table;
        }

        /** @return the position of the member {@code name} in {@code members}, or -1 if there is none */
        private int find(String name) {
            return members.length <= 2 * SCAN ? indexOf(members, members.length, name) : lookup(members, index(), name);
        }

        int vsn() {
            return vsn;
        }

        /** @return the number of members of {@code data} */
        int size() {
            return members.length / 2;
        }

        /** @return the name of the member at {@code index} (in the members' order) */
        String name(int index) {
            return (String) members[2 * index];
        }

        /** @return the value of the member at {@code index} (in the members' order); not to be modified */
        JsonNode value(int index) {
            return (JsonNode) members[2 * index + 1];
        }

        /** @return the value of the member {@code name}, or {@code null} if there is none; not to be modified */
        @Nullable JsonNode get(String name) {
            int at = find(name);
            return at < 0 ? null : (JsonNode) members[at + 1];
        }

        /**
         * @return {@code data} as a new object node, made on each call, with the members in their order;
         *     the values are this slice's own nodes: not to be modified (deep-copy it for a migrator)
         */
        ObjectNode data() {
            ObjectNode data = NODES.objectNode();
            for (int i = 0; i < members.length; i += 2) {
                data.set((String) members[i], (JsonNode) members[i + 1]);
            }
            return data;
        }

        /** @return the decoded values kept for this slice, created on first use */
        Map<String, Decoded> decoded() {
            ConcurrentHashMap<String, Decoded> d = decoded;
            if (d == null) {
                d = new ConcurrentHashMap<>(8);
                decoded = d; // a lost race loses a few cached values, nothing else
            }
            return d;
        }

        /**
         * Shares {@code older}'s decoded values: those of unchanged keys still match their (shared)
         * nodes. Both slices may add to the map; a value is only ever used for the very node it was
         * decoded from, so one slice's entry is at worst a miss for the other.
         */
        private Slice keepingDecoded(Slice older) {
            decoded = older.decoded;
            return this;
        }

        /** Equal when {@code vsn} and {@code data} are equal (as the record it was): the same members, in any order. */
        @Override
        public boolean equals(@Nullable Object other) {
            if (!(other instanceof Slice slice) || slice.vsn != vsn || slice.members.length != members.length) {
                return false;
            }
            for (int i = 0; i < members.length; i += 2) {
                if (!members[i + 1].equals(slice.get((String) members[i]))) {
                    return false;
                }
            }
            return true;
        }

        /** The hash of the record it was: {@code data}'s is its map's, a sum over the members. */
        @Override
        public int hashCode() {
            int data = 0;
            for (int i = 0; i < members.length; i += 2) {
                data += members[i].hashCode() ^ members[i + 1].hashCode();
            }
            return 31 * vsn + data;
        }

        @Override
        public String toString() {
            return "Slice[vsn=" + vsn + ", data=" + data() + "]";
        }

        /** @return this slice as a member of the {@code views} object, under {@code name}; not to be modified */
        byte[] encodedFor(String name) {
            Encoded e = encoded;
            if (e != null && e.name().equals(name)) {
                return e.bytes();
            }
            if (allSimple()) {
                return writeSimple(name, new JsonBytes(simpleSizeHint())).toByteArray();
            }
            return encodeThroughMapper(name).bytes();
        }

        /**
         * Appends {@link #encodedFor encodedFor(name)} to {@code out}: a slice of simple values written
         * straight into it, one the mapper writes copied from its kept encoding.
         */
        void encodeInto(String name, JsonBytes out) {
            Encoded e = encoded;
            if (e != null && e.name().equals(name)) {
                out.bytes(e.bytes());
            } else if (allSimple()) {
                writeSimple(name, out);
            } else {
                out.bytes(encodeThroughMapper(name).bytes());
            }
        }

        /**
         * @return the size of {@link #encodedFor encodedFor(name)} for a slice the mapper writes (encoded
         *     now if it was not, and kept), else a size that usually holds it
         */
        int encodingSizeHint(String name) {
            return allSimple() ? simpleSizeHint() : encodedFor(name).length;
        }

        private int simpleSizeHint() {
            return 64 + 64 * size();
        }

        /**
         * Written directly, and not kept: writing it again costs about what copying it would, and keeping
         * it would add its size to every live session's memory.
         */
        private JsonBytes writeSimple(String name, JsonBytes out) {
            out.string(name).raw(":{\"vsn\":").raw(Integer.toString(vsn)).raw(",\"data\":{");
            for (int i = 0; i < members.length; i += 2) {
                if (i > 0) {
                    out.raw(",");
                }
                out.string((String) members[i]).raw(":").simple((JsonNode) members[i + 1]);
            }
            return out.raw("}}");
        }

        /**
         * Decimals, nested objects and arrays: the tree written as a whole through the mapper (a decimal
         * written on its own is written differently), once per slice and name, then kept.
         */
        private Encoded encodeThroughMapper(String name) {
            JsonBytes out = new JsonBytes(simpleSizeHint()).string(name).raw(":");
            ObjectNode sliceNode = NODES.objectNode();
            sliceNode.put("vsn", vsn);
            sliceNode.set("data", data());
            out.bytes(MAPPER.writeValueAsBytes(sliceNode));
            Encoded e = new Encoded(name, out.toByteArray());
            encoded = e;
            return e;
        }

        /** @return whether every value is one {@link JsonBytes#simple} writes */
        private boolean allSimple() {
            for (int i = 1; i < members.length; i += 2) {
                if (!JsonBytes.isSimple((JsonNode) members[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    private static final SessionDocument EMPTY = new SessionDocument(null, Map.of(), false);

    private final @Nullable Instant expiresAt;
    private final Map<String, Slice> views;
    private final boolean marker;
    /** {@link #head()}, once written (the expiry's ISO-8601 form is not cheap to write). */
    private volatile byte @Nullable [] head;

    private SessionDocument(@Nullable Instant expiresAt, Map<String, Slice> views, boolean marker) {
        this.expiresAt = expiresAt;
        this.views = views;
        this.marker = marker;
    }

    /** @return {@code true} for a move marker (see the class description) */
    boolean isMarker() {
        return marker;
    }

    /** @return a move marker holding this document's content */
    SessionDocument asMarker() {
        return new SessionDocument(expiresAt, views, true);
    }

    /** @return this document's content as a live document */
    SessionDocument content() {
        return marker ? new SessionDocument(expiresAt, views, false) : this;
    }

    static SessionDocument empty() {
        return EMPTY;
    }

    @Nullable Instant expiresAt() {
        return expiresAt;
    }

    @Nullable Slice slice(String view) {
        return views.get(view);
    }

    /** @return this document with the view's slice alone (none when it has none): to measure that slice */
    SessionDocument onlyView(String view) {
        Slice slice = views.get(view);
        return new SessionDocument(expiresAt, slice == null ? Map.of() : Map.of(view, slice), false);
    }

    boolean hasViews() {
        return !views.isEmpty();
    }

    boolean isExpired(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    /** @return a document with the diff applied (per key, the diff wins) */
    SessionDocument apply(SliceDiff diff) {
        if (diff.isTouch()) {
            return this;
        }
        Slice current = views.get(diff.view());
        if (diff.mode() == SliceDiff.Mode.CLEAR) {
            return cleared(current, diff);
        }
        boolean conditional = diff.mode() == SliceDiff.Mode.REPLACE || diff.mode() == SliceDiff.Mode.DROP_STALE;
        if (conditional && (current == null || current.vsn() == diff.vsn())) {
            return this; // the stale slice is gone or was already replaced by current data
        }
        if (conditional && !current.equals(diff.migratedFrom())) {
            return withStaleSliceMigrated(current, diff);
        }
        if (diff.mode() == SliceDiff.Mode.RESET || diff.mode() == SliceDiff.Mode.DROP_STALE) {
            return new SessionDocument(expiresAt, with(diff.view(), null), false);
        }
        Slice base = null;
        if (diff.mode() == SliceDiff.Mode.MERGE && current != null) {
            base = current.vsn() == diff.vsn() ? current : migrated(current, diff);
        }
        Slice slice = Slice.merged(diff.vsn(), base, diff.removes(), diff.sets());
        return new SessionDocument(expiresAt, with(diff.view(), current != null && current.vsn() == diff.vsn()
                && diff.mode() == SliceDiff.Mode.MERGE ? slice.keepingDecoded(current) : slice), false);
    }

    /**
     * A fresh mount's clearing ({@link SliceDiff.Mode#CLEAR}): removes the keys still stored with the value
     * the recover saw, from a slice of the view's {@code vsn}; keys stashed since, or a slice reset or
     * stored under another {@code vsn} since, are left as they are.
     */
    private SessionDocument cleared(@Nullable Slice current, SliceDiff diff) {
        if (current == null || current.vsn() != diff.vsn()) {
            return this;
        }
        Set<String> unchanged = null;
        for (Map.Entry<String, JsonNode> seen : diff.seen().entrySet()) {
            JsonNode stored = current.get(seen.getKey());
            if (stored != null && sameJson(stored, seen.getValue())) {
                if (unchanged == null) {
                    unchanged = new HashSet<>();
                }
                unchanged.add(seen.getKey());
            }
        }
        if (unchanged == null) {
            return this;
        }
        Slice slice = Slice.merged(diff.vsn(), current, unchanged, Map.of()).keepingDecoded(current);
        return new SessionDocument(expiresAt, with(diff.view(), slice), false);
    }

    /**
     * @return whether the two values are stored as the same JSON: equal nodes are, and so may be other
     *     nodes, as the value read back after a conflict and the one a stash of this instance cached (the
     *     application's mapper may read {@code 5} as a {@code BigInteger} node, the document's as an int)
     */
    private static boolean sameJson(JsonNode stored, JsonNode seen) {
        return stored.equals(seen) || Arrays.equals(MAPPER.writeValueAsBytes(stored), MAPPER.writeValueAsBytes(seen));
    }

    /**
     * @param slice the view's new slice, or {@code null} to remove it
     * @return this document's views with the view's slice replaced, as a compact immutable map (heap per live session)
     */
    private Map<String, Slice> with(String view, @Nullable Slice slice) {
        if (views.isEmpty() || (views.size() == 1 && views.containsKey(view))) {
            return slice == null ? Map.of() : Map.of(view, slice);
        }
        Map<String, Slice> next = new HashMap<>(views);
        if (slice == null) {
            next.remove(view);
        } else {
            next.put(view, slice);
        }
        return Map.copyOf(next);
    }

    /** A slice of another vsn, migrated for a merge; {@code null} when it is not carried over. */
    private static @Nullable Slice migrated(Slice stale, SliceDiff diff) {
        Migrator migrator = diff.migrator();
        if (migrator == null) {
            return null;
        }
        try {
            return migrate(migrator, stale, diff.vsn());
        } catch (Throwable e) { // also an Error (a failed assert) or a checked exception thrown undeclared
            if (e instanceof VirtualMachineError fatal) {
                throw fatal; // out of memory, a stack overflow: not the migrator's verdict on the data
            }
            log.warn("migrator of view '{}' failed from vsn {} to {} while merging a stash; the stored slice is replaced: {}",
                    diff.view(), stale.vsn(), diff.vsn(), describe(e));
            return null;
        }
    }

    /**
     * A write-back ({@link SliceDiff.Mode#REPLACE}, {@link SliceDiff.Mode#DROP_STALE}) meets a stale slice
     * other than the one its recover migrated: a writer of the older release changed it since, and was
     * acknowledged. The slice stored now is migrated instead, so that write is carried over; should the
     * migrator fail on it, the slice is left as it is (as a recover leaves a slice it cannot migrate).
     */
    private SessionDocument withStaleSliceMigrated(Slice stale, SliceDiff diff) {
        Migrator migrator = diff.migrator();
        if (migrator == null) {
            return this; // no write-back is made without one
        }
        Slice migrated;
        try {
            migrated = migrate(migrator, stale, diff.vsn());
        } catch (Throwable e) { // also an Error (a failed assert) or a checked exception thrown undeclared
            if (e instanceof VirtualMachineError fatal) {
                throw fatal; // out of memory, a stack overflow: not the migrator's verdict on the data
            }
            log.warn("migrator of view '{}' failed from vsn {} to {} on a slice changed since it was read; the stored "
                    + "slice is left as it is: {}", diff.view(), stale.vsn(), diff.vsn(), describe(e));
            return this;
        }
        return new SessionDocument(expiresAt, with(diff.view(), migrated), false);
    }

    /** @return what a failed migration says: the reason data could not be stored, or the migrator's exception */
    private static String describe(Throwable e) {
        return e instanceof MigratedData.UnstorableException unstorable ? unstorable.getMessage() : e.toString();
    }

    /**
     * @return the migrator's result as a slice of {@code vsn}, {@code null} when it drops the slice; throws
     *     what it throws, and {@link MigratedData.UnstorableException} for data the document could not hold
     */
    private static @Nullable Slice migrate(Migrator migrator, Slice stale, int vsn) {
        ObjectNode migrated = migrator.migrate(stale.vsn(), stale.data().deepCopy());
        return migrated == null ? null : Slice.of(vsn, MigratedData.checked(migrated));
    }

    SessionDocument withExpiry(Instant expiresAt) {
        return new SessionDocument(expiresAt, views, marker);
    }

    /**
     * @return the document's JSON, the same bytes as writing the whole tree with {@link #MAPPER}
     *     (format, moved, expiresAt, the views by name), assembled from the slices' cached encodings
     */
    byte[] toBytes() {
        byte[] head = head();
        String[] names = views.keySet().toArray(new String[0]);
        Arrays.sort(names);
        // Exact when every slice is one the mapper writes (then the buffer is the result, with no copy).
        int sizeHint = head.length + Math.max(0, names.length - 1) + 2;
        for (String name : names) {
            sizeHint += views.get(name).encodingSizeHint(name);
        }
        JsonBytes out = new JsonBytes(sizeHint).bytes(head);
        for (int i = 0; i < names.length; i++) {
            if (i > 0) {
                out.raw(",");
            }
            views.get(names[i]).encodeInto(names[i], out);
        }
        return out.raw("}}").toByteArray();
    }

    /** @return {@code toBytes().length}, without assembling the bytes */
    int encodedSize() {
        int size = head().length + Math.max(0, views.size() - 1) + 2;
        for (Map.Entry<String, Slice> view : views.entrySet()) {
            size += view.getValue().encodedFor(view.getKey()).length;
        }
        return size;
    }

    /** @return the document's JSON up to the opening brace of {@code views} (kept: a write asks twice) */
    private byte[] head() {
        byte[] h = head;
        if (h == null) {
            h = writeHead();
            head = h;
        }
        return h;
    }

    private byte[] writeHead() {
        // Sized for the longest head of a year below 10000 (79 characters): the builder never grows.
        StringBuilder head = new StringBuilder(96).append("{\"format\":").append(FORMAT);
        if (marker) {
            head.append(",\"moved\":true");
        }
        if (expiresAt != null) {
            IsoInstant.append(head.append(",\"expiresAt\":\""), expiresAt).append('"'); // ISO-8601: nothing to escape
        }
        head.append(",\"views\":{");
        byte[] bytes = new byte[head.length()]; // ASCII only: one copy, no String in between
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) head.charAt(i);
        }
        return bytes;
    }

    /**
     * @throws CorruptDocumentException if the bytes are not a session document
     * @throws UnsupportedFormatException if the document was written in a newer layout
     */
    static SessionDocument parse(byte[] bytes) {
        JsonNode root;
        try {
            root = MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw new CorruptDocumentException("not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new CorruptDocumentException("not a JSON object");
        }
        JsonNode format = root.get("format");
        if (format == null || !format.isIntegralNumber()) {
            throw new CorruptDocumentException("no integer 'format'");
        }
        if (format.bigIntegerValue().compareTo(BigInteger.valueOf(FORMAT)) > 0) {
            throw new UnsupportedFormatException(format.bigIntegerValue().toString());
        }
        if (format.bigIntegerValue().signum() <= 0) {
            // No release wrote a format below 1: this is not a session document (read as format 1, its views
            // would be served and then overwritten).
            throw new CorruptDocumentException("unknown 'format' " + format.bigIntegerValue() + " (formats start at 1)");
        }
        Instant expiresAt = null;
        JsonNode expires = root.get("expiresAt");
        if (expires != null && !expires.isNull()) {
            if (!expires.isString()) {
                throw new CorruptDocumentException("bad 'expiresAt': " + expires);
            }
            try {
                expiresAt = Instant.parse(expires.stringValue());
            } catch (DateTimeParseException e) {
                throw new CorruptDocumentException("bad 'expiresAt': " + expires);
            }
        }
        JsonNode viewsNode = root.get("views");
        Map<String, Slice> views = new HashMap<>();
        if (viewsNode != null && !viewsNode.isNull()) {
            if (!viewsNode.isObject()) {
                throw new CorruptDocumentException("'views' is not an object");
            }
            for (Map.Entry<String, JsonNode> e : viewsNode.properties()) {
                JsonNode slice = e.getValue();
                JsonNode vsn = slice.get("vsn");
                JsonNode data = slice.get("data");
                if (vsn == null || !vsn.isIntegralNumber() || !vsn.canConvertToInt() || data == null || !data.isObject()) {
                    throw new CorruptDocumentException("view '" + e.getKey() + "' lacks an integer 'vsn' or an object 'data'");
                }
                views.put(e.getKey(), Slice.of(vsn.asInt(), (ObjectNode) data));
            }
        }
        JsonNode moved = root.get("moved");
        if (moved != null && !moved.isBoolean()) {
            throw new CorruptDocumentException("bad 'moved': " + moved);
        }
        return new SessionDocument(expiresAt, Map.copyOf(views), moved != null && moved.booleanValue());
    }

    /** The stored bytes are not a session document. */
    static final class CorruptDocumentException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CorruptDocumentException(String message) {
            super("corrupt session document: " + message, null, false, false);
        }
    }

    /** The stored document was written in a layout newer than this code understands. */
    static final class UnsupportedFormatException extends StashException {
        private static final long serialVersionUID = 1L;

        UnsupportedFormatException(String format) {
            super("the session document has format " + format + ", newer than the supported format " + FORMAT
                    + "; it is left untouched (is a newer version of the application writing to the same store?)", null);
        }
    }
}
