package dev.durablestash.storage;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * The condition under which a {@link StorageBackend#put put} may write: the object must be absent
 * ({@code If-None-Match: *}), or must currently have a given ETag ({@code If-Match}).
 *
 * <p>Immutable and thread-safe.
 */
public final class Precondition {

    private static final Precondition ABSENT = new Precondition(null);

    private final @Nullable String etag;

    private Precondition(@Nullable String etag) {
        this.etag = etag;
    }

    /** @return the precondition "no object is stored under the key" */
    public static Precondition absent() {
        return ABSENT;
    }

    /**
     * @param etag the ETag the stored object must have
     * @return the precondition "the stored object has this ETag"
     */
    public static Precondition matching(String etag) {
        Objects.requireNonNull(etag, "etag");
        if (etag.isEmpty()) {
            throw new IllegalArgumentException("etag must not be empty");
        }
        return new Precondition(etag);
    }

    /** @return {@code true} for {@link #absent()} */
    public boolean requiresAbsent() {
        return etag == null;
    }

    /** @return the ETag to match, or {@code null} for {@link #absent()} */
    public @Nullable String etag() {
        return etag;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Precondition that && Objects.equals(etag, that.etag);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(etag);
    }

    @Override
    public String toString() {
        return etag == null ? "If-None-Match: *" : "If-Match: " + etag;
    }
}
