package dev.durablestash.storage.s3;

/**
 * How {@link S3StorageBackend#delete(String, String)} treats a delete that is conditional on an
 * ETag.
 */
public enum ConditionalDeletes {

    /**
     * The default: send {@code DELETE} with {@code If-Match}. AWS S3 evaluates it atomically (412 when
     * the ETag no longer matches). Use this only with stores that honour {@code If-Match} on
     * {@code DELETE}: a store that ignores the header would delete a document that another instance
     * has just rewritten.
     */
    NATIVE,

    /**
     * For stores that do not support conditional deletes: a conditional delete is not sent at all and
     * completes with {@code false} ("left alone"), exactly as if the document had changed meanwhile.
     * Expired documents are then removed by the bucket's lifecycle rule instead of lazily; unconditional
     * deletes are still sent. This never deletes a document another instance has rewritten.
     */
    SKIP
}
