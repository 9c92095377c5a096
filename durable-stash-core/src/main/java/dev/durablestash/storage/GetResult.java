package dev.durablestash.storage;

import java.util.Objects;

/**
 * The outcome of {@link StorageBackend#get}: {@link Found}, {@link NotFound} or {@link NotModified}.
 */
public sealed interface GetResult permits GetResult.Found, GetResult.NotFound, GetResult.NotModified {

    /** The stored object: its body (owned by the receiver) and its ETag. */
    record Found(byte[] body, String etag) implements GetResult {
        public Found {
            Objects.requireNonNull(body, "body");
            Objects.requireNonNull(etag, "etag");
        }
    }

    /** No object is stored under the key. */
    record NotFound() implements GetResult {
    }

    /** The stored object still has the ETag given as {@code ifNoneMatch}. */
    record NotModified() implements GetResult {
    }

    /** @return the shared {@link NotFound} instance */
    static GetResult notFound() {
        return Singletons.NOT_FOUND;
    }

    /** @return the shared {@link NotModified} instance */
    static GetResult notModified() {
        return Singletons.NOT_MODIFIED;
    }

    /**
     * @param body the body (not copied: the caller hands it over)
     * @param etag its ETag
     * @return a {@link Found}
     */
    static GetResult found(byte[] body, String etag) {
        return new Found(body, etag);
    }
}
