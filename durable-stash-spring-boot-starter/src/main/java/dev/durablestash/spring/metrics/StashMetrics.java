package dev.durablestash.spring.metrics;

import java.util.Objects;
import java.util.function.ToLongFunction;

import org.jspecify.annotations.Nullable;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.durablestash.core.ExpirySweeper;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashStatistics;

/**
 * Publishes the engine's {@link StashStatistics} as Micrometer meters (Spring Boot binds every
 * {@link MeterBinder} bean to its registries):
 * <ul>
 * <li>{@code durable.stash.actors.live} (gauge) and {@code durable.stash.actors.evictions};</li>
 * <li>{@code durable.stash.stashes} with {@code result=accepted|acknowledged|failed}, and
 * {@code durable.stash.recovers} (recovers the engine answered: the views of a request that made a new
 * browser session are recovered without it, and not counted);</li>
 * <li>{@code durable.stash.storage.requests} with {@code operation=get|put|delete}, and
 * {@code durable.stash.storage.not.modified}, {@code durable.stash.storage.conflicts},
 * {@code durable.stash.storage.errors};</li>
 * <li>{@code durable.stash.documents.quarantined}: unreadable stored documents kept aside;</li>
 * <li>{@code durable.stash.documents.swept}: expired documents the filesystem storage's
 * {@link ExpirySweeper} deleted (only when there is one).</li>
 * </ul>
 * Counters are function counters read from the engine when the registry polls; the tags of one name share
 * its description.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class StashMetrics implements MeterBinder {

    private final StashAdapter adapter;
    private final @Nullable ExpirySweeper sweeper;

    /** @param adapter the engine whose statistics are published */
    public StashMetrics(StashAdapter adapter) {
        this(adapter, null);
    }

    /**
     * @param adapter the engine whose statistics are published
     * @param sweeper the filesystem storage's expiry sweeper, or {@code null} when there is none
     */
    public StashMetrics(StashAdapter adapter, @Nullable ExpirySweeper sweeper) {
        this.adapter = Objects.requireNonNull(adapter, "adapter");
        this.sweeper = sweeper;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("durable.stash.actors.live", adapter, (a) -> a.statistics().liveActors())
                .description("Session actors in memory").register(registry);
        counter(registry, "durable.stash.actors.evictions", "Session actors dropped from memory",
                StashStatistics::evictions);
        String stashes = "Stash calls by result: accepted (every call that passed validation, not a share beside the "
                + "others), acknowledged (written), failed (not acknowledged)";
        counter(registry, "durable.stash.stashes", stashes, StashStatistics::stashes, "result", "accepted");
        counter(registry, "durable.stash.stashes", stashes, StashStatistics::acknowledged, "result", "acknowledged");
        counter(registry, "durable.stash.stashes", stashes, StashStatistics::failed, "result", "failed");
        counter(registry, "durable.stash.recovers", "Recover calls", StashStatistics::recovers);
        String requests = "Requests sent to storage, by operation: get, put, delete";
        counter(registry, "durable.stash.storage.requests", requests, StashStatistics::gets, "operation", "get");
        counter(registry, "durable.stash.storage.requests", requests, StashStatistics::puts, "operation", "put");
        counter(registry, "durable.stash.storage.requests", requests, StashStatistics::deletes, "operation", "delete");
        counter(registry, "durable.stash.storage.not.modified", "GETs answered not modified",
                StashStatistics::notModified);
        counter(registry, "durable.stash.storage.conflicts", "PUTs answered precondition failed",
                StashStatistics::conflicts);
        counter(registry, "durable.stash.storage.errors", "Storage requests that failed", StashStatistics::storageErrors);
        counter(registry, "durable.stash.documents.quarantined", "Unreadable stored documents kept aside",
                StashStatistics::quarantined);
        if (sweeper != null) {
            FunctionCounter.builder("durable.stash.documents.swept", sweeper, ExpirySweeper::swept)
                    .description("Expired session documents deleted by the expiry sweeper").register(registry);
        }
    }

    private void counter(MeterRegistry registry, String name, String description, ToLongFunction<StashStatistics> value,
            String... tags) {
        FunctionCounter.builder(name, adapter, (a) -> value.applyAsLong(a.statistics()))
                .description(description).tags(tags).register(registry);
    }
}
