package dev.durablestash.spring;

import java.lang.reflect.Field;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.durablestash.core.Recovery;
import dev.durablestash.core.ViewDefinition;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One view class (a class with {@link Stashed} fields, see {@link StashedViews}): its
 * {@link ViewDefinition} and the {@code @Stashed} fields behind its stored keys. Built once per class
 * by {@link StashedViews}.
 *
 * <p><b>Thread-safety:</b> immutable and thread-safe; the instances it reads and writes are not.
 */
public final class StashedViewType {

    /** A stored key and the field that holds it. */
    record KeyField(String key, Field field, JavaType javaType) {
    }

    /** A field's value and, when it can be represented, its JSON tree (to compare by content). */
    record Snapshot(@Nullable Object value, @Nullable JsonNode tree) {

        boolean sameAs(Snapshot other) {
            if (tree != null && other.tree != null) {
                return tree.equals(other.tree);
            }
            return value == other.value;
        }
    }

    private final ViewDefinition definition;
    private final boolean atomic;
    private final List<KeyField> fields;
    private final JsonMapper jsonMapper;

    StashedViewType(ViewDefinition definition, boolean atomic, List<KeyField> fields, JsonMapper jsonMapper) {
        this.definition = definition;
        this.atomic = atomic;
        this.fields = List.copyOf(fields);
        this.jsonMapper = jsonMapper;
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

    /** @return each field's current value and JSON tree, by key */
    Map<String, Snapshot> snapshot(Object target) {
        Map<String, Snapshot> result = new LinkedHashMap<>();
        for (KeyField f : fields) {
            Object value = get(target, f);
            JsonNode tree;
            try {
                tree = jsonMapper.valueToTree(value);
            } catch (JacksonException | IllegalArgumentException e) {
                tree = null; // not representable: compared by identity; stashing it reports the error
            }
            result.put(f.key(), new Snapshot(value, tree));
        }
        return result;
    }

    /** @return the keys whose current value differs from the baseline, with the current values */
    Map<String, @Nullable Object> changes(Map<String, Snapshot> baseline, Map<String, Snapshot> now) {
        Map<String, @Nullable Object> changed = new LinkedHashMap<>();
        for (Map.Entry<String, Snapshot> e : now.entrySet()) {
            Snapshot before = baseline.get(e.getKey());
            if (before == null || !before.sameAs(e.getValue())) {
                changed.put(e.getKey(), e.getValue().value());
            }
        }
        return changed;
    }

    /** Puts fields back to the snapshot's values (fresh copies of representable values). */
    void restore(Object target, Map<String, Snapshot> snapshot) {
        for (KeyField f : fields) {
            Snapshot s = snapshot.get(f.key());
            if (s == null) {
                continue;
            }
            Object value = s.value();
            if (s.tree() != null) {
                try {
                    value = jsonMapper.treeToValue(s.tree(), f.javaType());
                } catch (JacksonException | IllegalArgumentException e) {
                    value = s.value();
                }
            }
            set(target, f, value);
        }
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
