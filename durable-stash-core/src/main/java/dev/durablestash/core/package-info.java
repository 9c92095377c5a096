/**
 * The framework-free engine of DurableStash: {@link dev.durablestash.core.StashAdapter} recovers and
 * stashes the stored keys of a {@link dev.durablestash.core.ViewDefinition view} for a browser
 * session, through one serial session actor per session, writing through to a
 * {@link dev.durablestash.storage.StorageBackend} with ETag compare-and-swap.
 */
@NullMarked
package dev.durablestash.core;

import org.jspecify.annotations.NullMarked;
