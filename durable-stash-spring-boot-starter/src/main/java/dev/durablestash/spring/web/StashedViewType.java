package dev.durablestash.spring.web;

import java.lang.reflect.Field;
import java.lang.reflect.Type;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.durablestash.core.Recovery;
import dev.durablestash.core.ValueJson;
import dev.durablestash.core.ViewDefinition;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

import tools.jackson.core.JacksonException;

/**
 * One view class (a class with {@link Stashed} fields, see {@link StashedViews}): its
 * {@link ViewDefinition} and the {@code @Stashed} fields behind its stored keys. Built once per class
 * by {@link StashedViews}.
 *
 * <p><b>Thread-safety:</b> immutable and thread-safe; the instances it reads and writes are not.
 */
final class StashedViewType {

    /** A stored key and the field that holds it. */
    record KeyField(String key, Field field, Type type) {
    }

    /**
     * A field's value and, when it can be represented, the JSON a stash would store for it (to compare
     * by content, exactly as storage would: see {@link ValueJson}). The JSON of a value that cannot
     * change ({@link ValueJson#isImmutable}: a string, a boxed primitive, a date...) is written only when
     * a comparison needs it, since two equal such values are the same without it; the JSON of any
     * other value is written when the snapshot is taken (the value may change later).
     *
     * <p><b>Thread-safety:</b> safe to use from several threads (a web integration may check a
     * binding for changes while a stash it started completes): the JSON is written at most once, and
     * every caller gets that result.
     */
    static final class Snapshot {

        private final @Nullable Object value;
        private final boolean immutable;
        /** Published by {@link #written}: read only after seeing it {@code true}. */
        private byte @Nullable [] json;
        /** Set after {@link #json}: a thread that sees it {@code true} sees the JSON. */
        private volatile boolean written;

        private Snapshot(@Nullable Object value, ValueJson writer) {
            this.value = value;
            this.immutable = ValueJson.isImmutable(value);
            if (!immutable) {
                json(writer);
            }
        }

        @Nullable Object value() {
            return value;
        }

        /** @return the JSON a stash would store, or {@code null} when the value cannot be represented */
        byte @Nullable [] json(ValueJson writer) {
            if (!written) {
                synchronized (this) {
                    if (!written) {
                        json = writer.write(value);
                        written = true;
                    }
                }
            }
            return json;
        }
    }

    private final ViewDefinition definition;
    private final boolean atomic;
    private final List<KeyField> fields;
    private final ValueJson json;

    StashedViewType(ViewDefinition definition, boolean atomic, List<KeyField> fields, ValueJson json) {
        this.definition = definition;
        this.atomic = atomic;
        this.fields = List.copyOf(fields);
        this.json = json;
    }

    /** @return the view definition handed to the engine */
    public ViewDefinition definition() {
        return definition;
    }

    /** @return the view name */
    public String name() {
        return definition.name();
    }

    /**
     * @return {@code true} when requests of one browser session to this view take turns
     *     ({@link StashedView#atomic()})
     */
    public boolean atomic() {
        return atomic;
    }

    /** Writes the recovered values into the fields; absent keys keep their current values. */
    void apply(Object target, Recovery recovery) {
        for (KeyField f : fields) {
            if (recovery.has(f.key())) {
                set(target, f, recovery.get(f.key()));
            }
        }
    }

    /** @return each field's current value and (see {@link Snapshot}) stored JSON, by key */
    Map<String, Snapshot> snapshot(Object target) {
        return snapshot(target, Map.of());
    }

    /**
     * @param earlier an earlier snapshot of the same instance: a field that still holds the immutable
     *     value it held then, or an equal one of the same class, keeps that snapshot (and its JSON, if
     *     written)
     * @return each field's current value and (see {@link Snapshot}) stored JSON, by key
     */
    Map<String, Snapshot> snapshot(Object target, Map<String, Snapshot> earlier) {
        Map<String, Snapshot> result = new LinkedHashMap<>();
        for (KeyField f : fields) {
            Object value = get(target, f);
            Snapshot kept = earlier.get(f.key());
            // null JSON when not representable (see same()); stashing it reports the error
            result.put(f.key(), kept != null && kept.immutable && equalImmutable(kept.value, value) ? kept
                    : new Snapshot(value, json));
        }
        return result;
    }

    /**
     * @return the keys whose current value differs from the baseline, with the current values: those
     *     whose stored JSON would change
     */
    Map<String, @Nullable Object> changes(Map<String, Snapshot> baseline, Map<String, Snapshot> now) {
        Map<String, @Nullable Object> changed = new LinkedHashMap<>();
        for (Map.Entry<String, Snapshot> e : now.entrySet()) {
            Snapshot before = baseline.get(e.getKey());
            if (before == null || !same(before, e.getValue())) {
                changed.put(e.getKey(), e.getValue().value());
            }
        }
        return changed;
    }

    /**
     * @return whether {@code a} and {@code b}, each {@code null} or {@link ValueJson#isImmutable}, are the
     *     same or equal of one class, so that they write the same JSON (a field's int boxed afresh on each
     *     read is one value)
     */
    private static boolean equalImmutable(@Nullable Object a, @Nullable Object b) {
        return a == b || (a != null && b != null && a.getClass() == b.getClass() && a.equals(b));
    }

    private boolean same(Snapshot a, Snapshot b) {
        if (a.immutable && b.immutable && equalImmutable(a.value, b.value)) {
            return true; // equal values that cannot change: the same JSON (0.0 and -0.0 are not equal: compared below)
        }
        byte[] aJson = a.json(json);
        byte[] bJson = b.json(json);
        if (aJson != null && bJson != null) {
            return json.sameStoredJson(aJson, bJson);
        }
        if (aJson != null || bJson != null) {
            // One can be represented and the other not, even when both are the same object changed in
            // place: a change (stashing a value that cannot be represented reports it, by the policy).
            return false;
        }
        return a.value() == b.value(); // neither can be represented: unchanged while the same object
    }

    /** Puts fields back to the snapshot's values (fresh copies of representable values). */
    void restore(Object target, Map<String, Snapshot> snapshot) {
        for (KeyField f : fields) {
            Snapshot s = snapshot.get(f.key());
            if (s != null) {
                set(target, f, copyOf(s, f));
            }
        }
    }

    /**
     * Puts fields back to the snapshot's values, as {@link #restore} does, except that a field that held
     * a modifiable collection or map when the snapshot was taken gets that same object back, refilled
     * with the snapshot's content, so code holding a reference to it keeps using the field's (its
     * elements are fresh copies; a field of another type, such as an object holding a list, gets a fresh
     * copy as a whole). Whatever object the field holds now is left as it is: it may be another field's,
     * or one from outside the view.
     */
    void restoreInPlace(Object target, Map<String, Snapshot> snapshot) {
        for (KeyField f : fields) {
            Snapshot s = snapshot.get(f.key());
            if (s == null) {
                continue;
            }
            Object value = copyOf(s, f);
            Object original = s.value();
            set(target, f, original != null && refill(original, value) ? original : value);
        }
    }

    private @Nullable Object copyOf(Snapshot s, KeyField f) {
        byte[] stored = s.immutable ? null : s.json(json); // an immutable value is its own copy
        if (stored != null) {
            try {
                return json.read(stored, f.type());
            } catch (JacksonException | IllegalArgumentException e) {
                return s.value();
            }
        }
        return s.value();
    }

    /** @return whether {@code current}, a modifiable collection or map, now holds {@code value}'s content */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static boolean refill(@Nullable Object current, @Nullable Object value) {
        try {
            if (current instanceof Collection collection && value instanceof Collection<?> content && current != value) {
                collection.clear();
                collection.addAll(content);
                return true;
            }
            if (current instanceof Map map && value instanceof Map<?, ?> content && current != value) {
                map.clear();
                map.putAll(content);
                return true;
            }
        } catch (RuntimeException e) { // unmodifiable, or refusing an element: the field gets the copy instead
            return false;
        }
        return false;
    }

    private static @Nullable Object get(Object target, KeyField f) {
        try {
            return f.field().get(target);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read @Stashed field " + f.field(), e);
        }
    }

    private static void set(Object target, KeyField f, @Nullable Object value) {
        if (value == null && f.field().getType().isPrimitive()) {
            return; // a stashed null cannot go into a primitive: keep the default
        }
        try {
            f.field().set(target, value);
        } catch (IllegalAccessException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot write @Stashed field " + f.field() + " with a "
                    + (value == null ? "null" : value.getClass().getName()), e);
        }
    }

    @Override
    public String toString() {
        return "StashedViewType[" + definition + (atomic ? "" : " not atomic") + "]";
    }
}
