package dev.durablestash.storage;

import java.util.Objects;

/** The outcome of {@link StorageBackend#put}: {@link Written} or {@link PreconditionFailed}. */
public sealed interface PutResult permits PutResult.Written, PutResult.PreconditionFailed {

    /** The write was applied; {@code etag} is the new version's ETag. */
    record Written(String etag) implements PutResult {
        public Written {
            Objects.requireNonNull(etag, "etag");
        }
    }

    /**
     * The precondition did not hold: the object exists (create), or has another ETag or is gone
     * (replace). Nothing was written.
     */
    record PreconditionFailed() implements PutResult {
    }

    /**
     * @param etag the new ETag
     * @return a {@link Written}
     */
    static PutResult written(String etag) {
        return new Written(etag);
    }

    /** @return the shared {@link PreconditionFailed} instance */
    static PutResult preconditionFailed() {
        return Singletons.PRECONDITION_FAILED;
    }
}
