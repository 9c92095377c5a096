package dev.durablestash.core;

import org.jspecify.annotations.Nullable;

import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a view's stored data written under an older (or newer) {@code vsn} into data for the view's
 * current {@code vsn}. Works on JSON trees, because the old Java types may no longer exist.
 *
 * <p>Called on the session actor, one call at a time per session; must not block. The result is
 * written back to storage.
 */
@FunctionalInterface
public interface Migrator {

    /**
     * @param storedVsn the version the data was written with
     * @param storedData the stored data (a private copy the migrator may modify and return)
     * @return the data for the view's current version, or {@code null} to drop the stored slice
     *     (recover then reports {@link RecoveryStatus#NOT_FOUND})
     */
    @Nullable ObjectNode migrate(int storedVsn, ObjectNode storedData);
}
