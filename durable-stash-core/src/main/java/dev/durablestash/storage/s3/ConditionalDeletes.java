package dev.durablestash.storage.s3;

/**
 * How {@link S3StorageBackend#delete(String, String)} performs a delete that is conditional on an
 * ETag (the engine uses one to remove an expired session document unless another instance has just
 * rewritten it).
 */
public enum ConditionalDeletes {

    /**
     * The default: {@link #EMULATED}, which is safe on every store, until the store check
     * ({@link S3StorageBackend#checkStore(String)}, run by the Spring Boot starter at startup) has seen
     * the store refuse a {@code DELETE} with a stale {@code If-Match}; {@link #NATIVE} from then on.
     * Some stores (Ceph RGW 16.2) ignore {@code If-Match} on {@code DELETE} and delete anyway.
     */
    AUTO,

    /**
     * One {@code DELETE} with {@code If-Match}, which AWS S3 evaluates atomically for
     * general-purpose buckets (since September 2025): 412 when the ETag no longer matches. Use it only
     * with stores that honour {@code If-Match} on {@code DELETE}: a store that ignores the header would
     * delete a document another instance has just rewritten, and one that rejects it fails the delete.
     */
    NATIVE,

    /**
     * For stores without conditional deletes. A conditional delete becomes a compare-and-swap
     * {@code PUT} with {@code If-Match} that replaces the document by a small tombstone (so a document
     * another instance rewrote is never touched), followed by a plain {@code DELETE} of the tombstone.
     * This backend reads a tombstone as absent. A create that finds a tombstone waits for its
     * {@code DELETE} (the create reports a conflict and is retried by the engine); a tombstone older
     * than two minutes, left behind because the deleting process died between the two requests, is
     * replaced by the create with a compare-and-swap. Limitation: in that rare case, writes that
     * create the same session document fail (as conflicts) until the tombstone is two minutes old.
     */
    EMULATED
}
