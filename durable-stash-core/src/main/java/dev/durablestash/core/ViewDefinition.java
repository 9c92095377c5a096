package dev.durablestash.core;

import java.lang.reflect.Type;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A view: a named unit of UI state that owns one slice of the session document. Declares its
 * stored keys, its version ({@code vsn}) and optionally a {@link Migrator} for slices stored under
 * another version. Views never see each other's keys.
 *
 * <p>Immutable and thread-safe; build one per view and reuse it.
 *
 * <pre>{@code
 * ViewDefinition counter = ViewDefinition.builder("counter")
 *         .vsn(2)
 *         .key("count", int.class)
 *         .key("draft", String.class, Scope.RECONNECT)
 *         .build();
 * }</pre>
 */
public final class ViewDefinition {

    /**
     * Longest accepted view name, and longest accepted key name, in characters. Both are property names
     * of the session document, whose reader accepts names of up to 50,000 bytes: with this limit every
     * name it holds can be read back.
     */
    public static final int MAX_NAME_LENGTH = 200;
    /** Why a view name or key may not hold half of a surrogate pair. */
    private static final String LONE_SURROGATE =
            " (a lone surrogate cannot be a JSON property name the session document is read back with)";

    private final String name;
    private final int vsn;
    private final Map<String, StoredKey> keys;
    private final @Nullable Migrator migrator;

    private ViewDefinition(Builder builder) {
        this.name = builder.name;
        this.vsn = builder.vsn;
        this.keys = Collections.unmodifiableMap(new LinkedHashMap<>(builder.keys));
        this.migrator = builder.migrator;
    }

    /**
     * @param name the view name, e.g. the controller's class name; 1 to {@value #MAX_NAME_LENGTH}
     *     characters
     * @return a builder with {@code vsn} 1, no keys and no migrator
     * @throws IllegalArgumentException if the name is blank, too long, or holds half of a surrogate pair
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** @return the view name, never {@code null} */
    public String name() {
        return name;
    }

    /** @return the current version of the view's stored data, at least 1 */
    public int vsn() {
        return vsn;
    }

    /** @return the stored keys by name, in declaration order; unmodifiable */
    public Map<String, StoredKey> keys() {
        return keys;
    }

    /**
     * @param key a key name
     * @return the stored key, or {@code null} if the view does not declare it
     */
    public @Nullable StoredKey key(String key) {
        return keys.get(key);
    }

    /** @return the migrator, or {@code null} when stored slices of another version are dropped */
    public @Nullable Migrator migrator() {
        return migrator;
    }

    /** @return {@code true} if any stored key has {@link Scope#RECONNECT} */
    boolean hasReconnectKeys() {
        for (StoredKey key : keys.values()) {
            if (key.scope() == Scope.RECONNECT) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "ViewDefinition[" + name + " vsn=" + vsn + " keys=" + keys.keySet() + "]";
    }

    /** Builds a {@link ViewDefinition}. Not thread-safe. */
    public static final class Builder {

        private final String name;
        private int vsn = 1;
        private final Map<String, StoredKey> keys = new LinkedHashMap<>();
        private @Nullable Migrator migrator;

        private Builder(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("view name must not be blank");
            }
            if (name.length() > MAX_NAME_LENGTH) {
                throw new IllegalArgumentException(
                        "view name must be at most " + MAX_NAME_LENGTH + " characters: " + name);
            }
            if (JsonBytes.hasLoneSurrogate(name)) {
                throw new IllegalArgumentException("view name must not hold half of a surrogate pair" + LONE_SURROGATE
                        + ": " + name);
            }
            this.name = name;
        }

        /**
         * @param vsn the version of the view's stored data, at least 1
         * @return this builder
         */
        public Builder vsn(int vsn) {
            if (vsn < 1) {
                throw new IllegalArgumentException("vsn of view '" + name + "' must be at least 1, was " + vsn);
            }
            this.vsn = vsn;
            return this;
        }

        /**
         * Declares a {@link Scope#SESSION} key.
         *
         * @param key the key name; 1 to {@value ViewDefinition#MAX_NAME_LENGTH} characters, as a view name
         * @param type the type its value is recovered as
         * @return this builder
         * @throws IllegalArgumentException as {@link #key(String, Type, Scope)}
         */
        public Builder key(String key, Type type) {
            return key(key, type, Scope.SESSION);
        }

        /**
         * Declares a key.
         *
         * @param key the key name; 1 to {@value ViewDefinition#MAX_NAME_LENGTH} characters, as a view name
         * @param type the type its value is recovered as
         * @param scope when it is recovered
         * @return this builder
         * @throws IllegalArgumentException if the key name is blank or too long, was already declared, or
         *     holds half of a surrogate pair
         */
        public Builder key(String key, Type type, Scope scope) {
            StoredKey storedKey = new StoredKey(key, type, scope);
            if (key.length() > MAX_NAME_LENGTH) {
                throw new IllegalArgumentException("view '" + name + "' declares a key name of " + key.length()
                        + " characters, more than the " + MAX_NAME_LENGTH + " a key name may have: "
                        + key.substring(0, 40) + "...");
            }
            if (JsonBytes.hasLoneSurrogate(key)) {
                throw new IllegalArgumentException("view '" + name + "' declares key '" + key + "' with half of a"
                        + " surrogate pair" + LONE_SURROGATE);
            }
            if (keys.putIfAbsent(key, storedKey) != null) {
                throw new IllegalArgumentException("view '" + name + "' declares key '" + key + "' twice");
            }
            return this;
        }

        /**
         * @param migrator turns slices stored under another vsn into current data, or {@code null}
         *     to drop them
         * @return this builder
         */
        public Builder migrator(@Nullable Migrator migrator) {
            this.migrator = migrator;
            return this;
        }

        /** @return the view definition */
        public ViewDefinition build() {
            return new ViewDefinition(this);
        }
    }
}
