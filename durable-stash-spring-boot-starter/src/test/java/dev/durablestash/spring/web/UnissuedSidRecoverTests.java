package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.RecoveryStatus;
import dev.durablestash.core.SessionIds;
import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

/**
 * Bound views recover a view under an unissued sid (made in the request, handed to no one yet) without
 * asking the engine, until one of them writes under it: from then on a view bound again under that sid,
 * a new instance, is recovered from storage.
 */
class UnissuedSidRecoverTests extends BindingTestSupport {

    @StashedView(name = "tally")
    static class Tally {
        @Stashed int count;
    }

    private final String sid = SessionIds.newSid();

    @Test
    void aViewUnderAnUnissuedSidIsRecoveredWithoutStorage() {
        BoundViews bound = new BoundViews(views, adapter, TIMEOUT, candidate -> candidate.equals(sid));

        Stash handle = bound.add(bound.recover(new Tally(), sid, MountKind.FRESH, () -> { }));

        assertThat(handle.recovery().status()).isEqualTo(RecoveryStatus.NOT_FOUND);
        assertThat(storage.count(Operation.GET)).as("GETs").isZero();
        assertThat(adapter.statistics().liveActors()).as("session actors made").isZero();
    }

    @Test
    void aViewBoundAgainAfterABlockingStashIsRecoveredFromStorage() {
        BoundViews bound = new BoundViews(views, adapter, TIMEOUT, candidate -> candidate.equals(sid));
        Tally first = new Tally();
        Stash handle = bound.add(bound.recover(first, sid, MountKind.FRESH, () -> { }));
        first.count = 1;
        handle.stashNow();
        bound.forget("tally");

        Tally again = new Tally();
        bound.add(bound.recover(again, sid, MountKind.REJOIN, () -> { }));

        assertThat(again.count).as("recovered from what this request stored").isEqualTo(1);
    }

    @Test
    void aViewBoundAgainAfterANonBlockingStashIsRecoveredFromStorage() throws Exception {
        BoundViews bound = new BoundViews(views, adapter, TIMEOUT, candidate -> candidate.equals(sid));
        Tally first = new Tally();
        Stash handle = bound.recoverAsync(first, sid, MountKind.FRESH).toCompletableFuture().get(5, TimeUnit.SECONDS);
        bound.add(handle);
        first.count = 2;
        BoundViews.stashAsync(handle).toCompletableFuture().get(5, TimeUnit.SECONDS);
        bound.forget("tally");

        Tally again = new Tally();
        bound.recoverAsync(again, sid, MountKind.REJOIN).toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertThat(again.count).as("recovered from what this request stored").isEqualTo(2);
    }

    @Test
    void aViewBoundAgainAfterAResetIsRecoveredFromStorage() throws Exception {
        storage.resetCounters();
        BoundViews bound = new BoundViews(views, adapter, TIMEOUT, candidate -> candidate.equals(sid));
        Stash handle = bound.add(bound.recover(new Tally(), sid, MountKind.FRESH, () -> { }));
        BoundViews.resetAsync(handle).toCompletableFuture().get(5, TimeUnit.SECONDS);
        bound.forget("tally");
        long gets = storage.count(Operation.GET);

        bound.add(bound.recover(new Tally(), sid, MountKind.REJOIN, () -> { }));

        assertThat(storage.count(Operation.GET)).as("GETs of the second recover").isGreaterThan(gets);
    }
}
