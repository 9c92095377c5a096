package dev.durablestash.core;

/**
 * A snapshot of the engine's counters since it started. Cheap to take; values are monotonic except
 * {@code liveActors}.
 *
 * @param liveActors session actors currently in memory
 * @param stashes stash calls accepted (after value validation)
 * @param acknowledged stash calls acknowledged after a successful write
 * @param failed stash calls that ended without an acknowledgement: their write failed, their caller's
 *     deadline passed first (the write may still land), or the engine was closing
 * @param recovers recover calls
 * @param gets GET requests sent to storage (conditional or not)
 * @param notModified GETs answered "not modified"
 * @param puts PUT requests sent to storage
 * @param conflicts PUTs answered "precondition failed"
 * @param deletes DELETE requests sent to storage
 * @param storageErrors storage requests that failed
 * @param evictions actors dropped from memory
 * @param quarantined unreadable (corrupt) stored documents kept aside under a quarantine key before
 *     anything could replace them
 */
public record StashStatistics(
        long liveActors,
        long stashes,
        long acknowledged,
        long failed,
        long recovers,
        long gets,
        long notModified,
        long puts,
        long conflicts,
        long deletes,
        long storageErrors,
        long evictions,
        long quarantined) {
}
