package dev.durablestash.core;

import java.lang.reflect.Type;
import java.util.Objects;

/**
 * A stored key of a view: its name, the Java type its value is recovered as (may be generic, e.g.
 * from a field's {@code getGenericType()}), and its {@link Scope}.
 *
 * @param name the key name, unique within the view
 * @param type the declared type values are recovered as
 * @param scope when the key is recovered
 */
public record StoredKey(String name, Type type, Scope scope) {

    public StoredKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(scope, "scope");
        if (name.isBlank()) {
            throw new IllegalArgumentException("stored key name must not be blank");
        }
    }
}
