package dev.durablestash.storage.s3;

/**
 * How {@link S3StorageBackend} writes the ETag in an {@code If-Match} header of a conditional
 * {@code PUT}.
 *
 * <p>HTTP and AWS S3 want the ETag quoted ({@code If-Match: "abc"}); some S3-compatible stores (Ceph
 * RGW 16.2) compare the header with the unquoted ETag and answer 412 to the quoted form even when the
 * ETag is current. With {@link #AUTO} the backend finds out by itself.
 */
public enum IfMatchForm {

    /**
     * The default: quoted first. A 412 after which a {@code HEAD} shows the very ETag the PUT named
     * means the store did not understand the form: the PUT is sent once more in the other form, and
     * when that succeeds the backend keeps using it. (The store check at startup usually settles this
     * before the first session is written.)
     */
    AUTO,

    /** Always {@code If-Match: "etag"}, as HTTP and AWS S3 specify. */
    QUOTED,

    /** Always {@code If-Match: etag}, for stores that compare the header verbatim (Ceph RGW 16.2). */
    UNQUOTED
}
