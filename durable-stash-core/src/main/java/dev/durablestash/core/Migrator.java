package dev.durablestash.core;

import org.jspecify.annotations.Nullable;

import tools.jackson.databind.node.ObjectNode;

/**
 * Turns a view's stored data written under an older (or newer) {@code vsn} into data for the view's
 * current {@code vsn}. Works on JSON trees, because the old Java types may no longer exist.
 *
 * <p>Called on the session actor, one call at a time per session; must not block. The result is
 * written back to storage when the session document can hold it (see {@link #migrate}). May be called
 * more than once for the same stored data (by each recover and stash that meets it until a result is
 * written, and again while a stash is measured against the document's maximum size): it must have no
 * side effects.
 */
@FunctionalInterface
public interface Migrator {

    /**
     * @param storedVsn the version the data was written with
     * @param storedData the stored data (a private copy the migrator may modify and return)
     * @return the data for the view's current version, or {@code null} to drop the stored slice
     *     (recover then reports {@link RecoveryStatus#NOT_FOUND}). JSON nodes only: a POJO or raw value
     *     node ({@code putPOJO}, {@code putRawValue}) fails the migration, as an exception does, and so
     *     does data the session document could not be read back with (a value nested more than 496
     *     levels deep or in a cycle, a number of more than 1,000 digits, a property name of more than
     *     50,000 bytes or with half of a surrogate pair). Such data is never written: a recover reports
     *     {@code NOT_FOUND} and keeps the stored slice (an {@code ERROR} names the key and why); the
     *     view's next stash replaces the slice. Data that on its own makes the document larger than its
     *     maximum size is recovered but not written back; the view's next stash replaces the slice,
     *     keeping only the keys it sets
     */
    @Nullable ObjectNode migrate(int storedVsn, ObjectNode storedData);
}
