/**
 * Test support: {@link dev.durablestash.testing.InMemoryStorageBackend}, a faithful in-memory
 * {@link dev.durablestash.storage.StorageBackend} with switches to inject latency, failures and
 * lost responses, and counters of calls, so tests can play a slow or flaky S3.
 */
@NullMarked
package dev.durablestash.testing;

import org.jspecify.annotations.NullMarked;
