package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.Recovery;
import dev.durablestash.core.RecoveryStatus;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashStatistics;
import dev.durablestash.core.ViewDefinition;

/**
 * The engine on the in-process S3 server: the shared suite ({@link S3StoreEngineTests}), plus what
 * needs the server's fault switches and counters: HTTP-level faults never turn into false
 * acknowledgements, and the request counts the design promises hold at the server.
 */
class S3EngineTests extends S3StoreEngineTests {

    private final S3TestServer server = S3TestServer.shared();

    @Override
    protected S3TestStore store() {
        return server;
    }

    @AfterEach
    void resetFaults() {
        if (bucket != null) {
            server.faults(bucket).reset();
        }
        server.cuttingProxy().cutFraction(0);
    }

    @Test
    void withHttpFaultsEveryStashIsEitherAcknowledgedAndDurableOrFailed() throws Exception {
        bucket = server.createBucket("faults");
        BucketFaults faults = server.faults(bucket);
        ViewDefinition view = view();
        String sid = SessionIds.newSid();
        List<StashAdapter> instances = List.of(
                instance(S3TestServer.backendBuilder(bucket, server.cuttingProxy().endpoint()).build(), settings()),
                instance(S3TestServer.backendBuilder(bucket, server.cuttingProxy().endpoint()).build(), settings()));
        // The backend sends a PUT again (twice at most) once it knows it was not applied, so it takes a
        // high rate of errors-before-applying for some stashes to fail outright.
        faults.failBefore(0.3).failAfterWrite(0.05);
        server.cuttingProxy().cutFraction(0.05);
        long cutsBefore = server.cuttingProxy().cuts();

        // Each key has one sequential writer (writer w owns keys k(5w)..k(5w+4)), so "later" is well defined.
        List<Write> writes = runWriters(instances, sid, view, 4, 150, (writer, i, random) -> "k" + (writer * 5 + i % 5));

        faults.failBefore(0).failAfterWrite(0);
        server.cuttingProxy().cutFraction(0);
        long acknowledged = writes.stream().filter(Write::acknowledged).count();
        System.out.printf("S3 with HTTP faults: %d stashes, %d acknowledged, %d failed; injected %d errors before, "
                + "%d after applying, %d responses cut%n", writes.size(), acknowledged, writes.size() - acknowledged,
                faults.injectedBefore.sum(), faults.injectedAfter.sum(), server.cuttingProxy().cuts() - cutsBefore);
        assertThat(acknowledged).as("acknowledged stashes").isPositive();
        assertThat(writes.size() - acknowledged).as("failed stashes").isPositive();
        assertThat(faults.injectedAfter.sum()).as("writes applied but answered 500").isPositive();

        Map<String, Long> stored = readAll(sid, view);
        Map<String, Long> lastAcknowledged = new HashMap<>();
        Map<String, Set<Long>> attempted = new HashMap<>();
        for (Write w : writes) {
            attempted.computeIfAbsent(w.key(), k -> new HashSet<>()).add(w.value());
            if (w.acknowledged()) {
                lastAcknowledged.merge(w.key(), w.value(), Math::max);
            }
        }
        assertThat(stored.keySet()).containsAll(lastAcknowledged.keySet());
        for (Map.Entry<String, Long> e : stored.entrySet()) {
            // Acknowledged means durable: the key holds its last acknowledged value or a later one that
            // failed but was applied (a lost response), never an older one and never one nobody stashed.
            assertThat(e.getValue()).as("key %s", e.getKey())
                    .isGreaterThanOrEqualTo(lastAcknowledged.getOrDefault(e.getKey(), Long.MIN_VALUE));
            assertThat(attempted.get(e.getKey())).as("values stashed to key %s", e.getKey()).contains(e.getValue());
        }
    }

    @Test
    void anUncontendedStashCostsOnePutAndARecoverOnAWarmActorAtMostOneConditionalGet() throws Exception {
        bucket = server.createBucket("accounting");
        BucketFaults counted = server.faults(bucket);
        ViewDefinition view = view();
        String sid = SessionIds.newSid();
        StashAdapter adapter = instance(server.backendBuilder(bucket).build(), settings());

        await(adapter.recover(sid, view, MountKind.FRESH));
        await(adapter.stash(sid, view, Map.of("k0", 0L)));
        long putsBefore = counted.puts.sum();
        long getsBefore = counted.gets.sum();
        int stashes = 20;
        for (int i = 1; i <= stashes; i++) {
            await(adapter.stash(sid, view, Map.of("k" + (i % KEYS), (long) i)));
        }
        long puts = counted.puts.sum() - putsBefore;
        long gets = counted.gets.sum() - getsBefore;
        System.out.printf("S3 request accounting: %d stashes on a warm actor cost %d PUTs and %d GETs at the server "
                + "(%.2f PUTs per stash)%n", stashes, puts, gets, (double) puts / stashes);
        assertThat(puts).as("PUTs at the server for %d uncontended stashes", stashes).isEqualTo(stashes);
        assertThat(gets).as("GETs at the server for stashes on a warm actor").isZero();

        StashStatistics before = adapter.statistics();
        long serverGetsBefore = counted.gets.sum();
        long serverPutsBefore = counted.puts.sum();
        int recovers = 10;
        for (int i = 0; i < recovers; i++) {
            Recovery recovery = await(adapter.recover(sid, view, MountKind.REJOIN));
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.RECOVERED);
        }
        StashStatistics after = adapter.statistics();
        long serverGets = counted.gets.sum() - serverGetsBefore;
        System.out.printf("S3 request accounting: %d recovers on a warm actor cost %d GETs at the server, %d answered "
                + "304 (client count)%n", recovers, serverGets, after.notModified() - before.notModified());
        assertThat(serverGets).as("GETs at the server for %d recovers on a warm actor", recovers)
                .isLessThanOrEqualTo(recovers);
        assertThat(after.gets() - before.gets()).isEqualTo(serverGets);
        assertThat(after.notModified() - before.notModified()).as("GETs answered 304").isEqualTo(serverGets);
        assertThat(counted.puts.sum() - serverPutsBefore).as("PUTs for recovers").isZero();
    }

}
