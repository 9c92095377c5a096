package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * How {@link ViewBinding#hasChanges()} counts the last non-blocking stash (in flight, succeeded while its
 * returned stage was cancelled, failed), and whether the stashes that follow agree with it.
 */
class AsyncStashRecordTests extends BindingTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @StashedView(name = "tally")
    static class Tally {
        @Stashed int count;
    }

    private int storedCount(String sid) {
        Tally fresh = new Tally();
        recover(fresh, sid);
        return fresh.count;
    }

    @Test
    void aStashInFlightCountsAsDoneAndAChangeMadeWhileItRunsDoesNot() throws Exception {
        String sid = SessionIds.newSid();
        Tally view = new Tally();
        ViewBinding binding = recover(view, sid);
        storage.setLatency(Operation.PUT, Duration.ofMillis(500));
        view.count = 1;
        CompletableFuture<Void> stash = binding.stashAsync().toCompletableFuture();
        assertThat(binding.stashInFlight()).as("in flight").isNotNull();
        assertThat(binding.hasChanges()).as("the stash in flight writes count=1").isFalse();
        view.count = 2; // changed again while the stash runs
        assertThat(binding.hasChanges()).as("count=2 is not written by the stash in flight").isTrue();
        stash.get(5, TimeUnit.SECONDS);
        assertThat(binding.stashInFlight()).isNull();
        assertThat(binding.hasChanges()).isTrue();
        binding.stashNow();
        assertThat(binding.hasChanges()).isFalse();
        assertThat(storedCount(sid)).isEqualTo(2);
    }

    /**
     * A WebFlux exchange may end (its client went away) on another thread as soon as the commit's stash
     * sent its write, before the stash call returned: the changes that write carries count from the moment
     * it is sent (a false "NOT stashed" error was logged in that window, for changes the write stored).
     */
    @Test
    void aStashCountsAsInFlightFromTheMomentItsWriteIsSent() throws Exception {
        AtomicReference<ViewBinding> bound = new AtomicReference<>();
        List<Boolean> changesWhenTheWriteWasSent = new CopyOnWriteArrayList<>();
        StorageBackend watched = (StorageBackend) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { StorageBackend.class }, (proxy, method, args) -> {
                    if (method.getName().equals("put") && bound.get() != null) {
                        changesWhenTheWriteWasSent.add(bound.get().hasChanges());
                    }
                    try {
                        return method.invoke(storage, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        String sid = SessionIds.newSid();
        try (StashAdapter engine = new StashAdapter(watched, settings)) {
            Tally view = new Tally();
            ViewBinding binding = ViewBinding.recover(views.typeOf(Tally.class), view, sid, MountKind.REJOIN, engine,
                    TIMEOUT);
            bound.set(binding);
            view.count = 1;
            binding.stashAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        assertThat(changesWhenTheWriteWasSent).as("changes left when the write of count=1 was sent")
                .containsExactly(false);
        assertThat(storedCount(sid)).isEqualTo(1);
    }

    @Test
    void aFailedStashIsNotCountedAndARetryWritesTheChange() throws Exception {
        String sid = SessionIds.newSid();
        Tally view = new Tally();
        ViewBinding binding = recover(view, sid);
        storage.failNext(Operation.PUT, 100);
        view.count = 1;
        CompletableFuture<Void> stash = binding.stashAsync().toCompletableFuture();
        assertThatThrownBy(() -> stash.get(15, TimeUnit.SECONDS)).isNotNull();
        assertThat(binding.hasChanges()).as("the failed stash wrote nothing").isTrue();
        storage.clearFaults();
        binding.stashAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(binding.hasChanges()).isFalse();
        assertThat(storedCount(sid)).isEqualTo(1);
    }

    @Test
    void aStashWhoseStageWasCancelledCountsOnceItSucceeds() throws Exception {
        String sid = SessionIds.newSid();
        Tally view = new Tally();
        ViewBinding binding = recover(view, sid);
        storage.setLatency(Operation.PUT, Duration.ofMillis(300));
        view.count = 1;
        CompletableFuture<Void> stage = binding.stashAsync().toCompletableFuture();
        CompletableFuture<Void> outcome = binding.stashInFlight();
        stage.cancel(true); // the caller stopped waiting (a cancelled WebFlux exchange)
        outcome.get(5, TimeUnit.SECONDS);
        assertThat(binding.hasChanges()).as("the write landed").isFalse();
        assertThat(storedCount(sid)).isEqualTo(1);
    }

    @Test
    void aResetClearsTheRecord() throws Exception {
        String sid = SessionIds.newSid();
        Tally view = new Tally();
        ViewBinding binding = recover(view, sid);
        view.count = 1;
        binding.stashAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
        binding.reset();
        assertThat(view.count).isZero();
        assertThat(binding.hasChanges()).isFalse();
        view.count = 1; // the same value as the last non-blocking stash wrote, now after the reset
        assertThat(binding.hasChanges()).as("count=1 is not stored any more").isTrue();
        binding.stashNow();
        assertThat(storedCount(sid)).isEqualTo(1);
    }

    @Test
    void aValueChangedBackAfterACancelledButSuccessfulStashIsStashed() throws Exception {
        String sid = SessionIds.newSid();
        Tally view = new Tally();
        ViewBinding binding = recover(view, sid);
        storage.setLatency(Operation.PUT, Duration.ofMillis(300));
        view.count = 1;
        CompletableFuture<Void> stage = binding.stashAsync().toCompletableFuture();
        CompletableFuture<Void> outcome = binding.stashInFlight();
        stage.cancel(true); // the caller stopped waiting; the write goes on and lands
        outcome.get(5, TimeUnit.SECONDS);
        storage.clearFaults();
        assertThat(storedCount(sid)).as("count=1 was stored").isEqualTo(1);
        view.count = 0; // changed back
        assertThat(binding.hasChanges()).as("stored 1, the field holds 0").isTrue();
        binding.stashNow();
        assertThat(storedCount(sid)).as("what the stash left stored").isZero();
        assertThat(binding.hasChanges()).as("after a stash that returned normally").isFalse();
    }
}
