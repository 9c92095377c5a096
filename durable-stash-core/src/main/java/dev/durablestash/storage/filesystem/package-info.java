/**
 * The embedded default storage backend: {@link dev.durablestash.storage.filesystem.FileSystemStorageBackend},
 * one file per key under a root directory on the local filesystem, for one machine. The
 * package-private classes beside it each hold one mechanism: {@code KeyPaths} maps a storage key to
 * its file, {@code KeyLocks} serialises the writes of one key within the process and across
 * processes on the same directory.
 */
@NullMarked
package dev.durablestash.storage.filesystem;

import org.jspecify.annotations.NullMarked;
