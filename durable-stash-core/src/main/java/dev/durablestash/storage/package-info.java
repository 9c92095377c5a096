/**
 * The storage SPI: a small, asynchronous key/value contract with ETag compare-and-swap, and the
 * embedded {@link dev.durablestash.storage.filesystem.FileSystemStorageBackend filesystem backend}.
 *
 * <p>Every backend must pass the same contract test suite
 * ({@code StorageBackendContractTests} in this module's test jar).
 */
@NullMarked
package dev.durablestash.storage;

import org.jspecify.annotations.NullMarked;
