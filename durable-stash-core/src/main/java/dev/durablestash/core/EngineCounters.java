package dev.durablestash.core;

import java.util.concurrent.atomic.LongAdder;

/** The engine's counters, shared by all actors of one registry. Thread-safe. */
final class EngineCounters {

    final LongAdder stashes = new LongAdder();
    final LongAdder acknowledged = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder recovers = new LongAdder();
    final LongAdder gets = new LongAdder();
    final LongAdder notModified = new LongAdder();
    final LongAdder puts = new LongAdder();
    final LongAdder conflicts = new LongAdder();
    final LongAdder deletes = new LongAdder();
    final LongAdder storageErrors = new LongAdder();
    final LongAdder evictions = new LongAdder();
    final LongAdder quarantined = new LongAdder();

    StashStatistics snapshot(long liveActors) {
        return new StashStatistics(liveActors, stashes.sum(), acknowledged.sum(), failed.sum(), recovers.sum(),
                gets.sum(), notModified.sum(), puts.sum(), conflicts.sum(), deletes.sum(), storageErrors.sum(),
                evictions.sum(), quarantined.sum());
    }
}
