package dev.durablestash.core;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * The result of a recover: a {@link RecoveryStatus} and the values of the stored keys that were
 * recovered, already converted to their declared types.
 *
 * <p>Keys that were not recovered (never stashed, cleared because of their scope, or whose stored
 * value no longer fits the declared type) are absent from {@link #values()}: the view keeps its
 * default for them. A recovered value may be {@code null} when {@code null} was stashed (a stash
 * refuses {@code null} for a key of a primitive type, which could not recover it).
 *
 * <p>Immutable and thread-safe.
 */
public final class Recovery {

    private static final Recovery NOT_FOUND = new Recovery(RecoveryStatus.NOT_FOUND, Map.of(), null);

    private final RecoveryStatus status;
    private final Map<String, @Nullable Object> values;
    private final @Nullable Throwable error;

    private Recovery(RecoveryStatus status, Map<String, @Nullable Object> values, @Nullable Throwable error) {
        this.status = status;
        this.values = values;
        this.error = error;
    }

    /** @param values the recovered values; the recovery takes them over (the caller keeps no reference) */
    static Recovery recovered(Map<String, @Nullable Object> values) {
        return new Recovery(RecoveryStatus.RECOVERED, Collections.unmodifiableMap(values), null);
    }

    /**
     * The recovery of a view that has nothing stored ({@link RecoveryStatus#NOT_FOUND}): what
     * {@link StashAdapter#recover} answers then. For a caller that knows nothing can be stored without
     * asking the engine, such as an integration recovering a view under a session id it has just made
     * with {@link SessionIds#newSid()}, has written nothing under, and has handed to no one yet.
     *
     * @return the recovery, shared (it is immutable)
     */
    public static Recovery notFound() {
        return NOT_FOUND;
    }

    static Recovery error(Throwable error) {
        return new Recovery(RecoveryStatus.ERROR, Map.of(), Objects.requireNonNull(error, "error"));
    }

    /** @return the status, never {@code null} */
    public RecoveryStatus status() {
        return status;
    }

    /** @return the recovered values by key; unmodifiable; empty unless {@link RecoveryStatus#RECOVERED} */
    public Map<String, @Nullable Object> values() {
        return values;
    }

    /**
     * @param key a stored key name
     * @return {@code true} if a value (possibly {@code null}) was recovered for the key
     */
    public boolean has(String key) {
        return values.containsKey(key);
    }

    /**
     * @param key a stored key name
     * @param <T> the declared type of the key
     * @return the recovered value, or {@code null} when absent or stashed as {@code null}
     */
    @SuppressWarnings("unchecked")
    public <T> @Nullable T get(String key) {
        return (T) values.get(key);
    }

    /** @return why storage could not be read, for {@link RecoveryStatus#ERROR}; otherwise empty */
    public Optional<Throwable> error() {
        return Optional.ofNullable(error);
    }

    @Override
    public String toString() {
        return "Recovery[" + status + " " + values.keySet() + (error == null ? "" : " " + error) + "]";
    }
}
