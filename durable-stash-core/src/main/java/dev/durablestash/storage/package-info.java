/**
 * The storage SPI: a small, asynchronous key/value contract with ETag compare-and-swap. The backends
 * live in sub-packages: the embedded default in {@link dev.durablestash.storage.filesystem}, S3 in
 * {@link dev.durablestash.storage.s3}.
 *
 * <p>Every backend must pass the same contract test suite
 * ({@code StorageBackendContractTests} in this module's test jar).
 */
@NullMarked
package dev.durablestash.storage;

import org.jspecify.annotations.NullMarked;
