package dev.durablestash.storage.s3;

/**
 * When the S3 client computes request checksums and validates response checksums.
 *
 * <p>Since version 2.30 the AWS SDK for Java v2 adds a CRC32 checksum to every upload by default and
 * sends the body with {@code aws-chunked} content encoding and a checksum trailer. AWS S3 accepts this;
 * several S3-compatible stores (some MinIO, Ceph, R2 or Tigris versions, proxies in front of them) do
 * not, and answer with errors or store the chunk framing as the object content.
 */
public enum RequestChecksums {

    /**
     * The default: checksums only where an operation requires them ({@code WHEN_REQUIRED} for both
     * request calculation and response validation), and chunked encoding off, so each PUT is a plain
     * body with a {@code Content-Length}. Works with AWS S3 and with every S3-compatible store tried.
     * Session documents are small and travel over TLS, whose integrity checks remain.
     */
    WHEN_REQUIRED,

    /**
     * The SDK's own default ({@code WHEN_SUPPORTED}, chunked encoding on): a CRC32 checksum on every
     * upload, validated by the store, and response checksums validated by the client. Choose this for
     * AWS S3 when you want end-to-end checksums.
     */
    WHEN_SUPPORTED
}
