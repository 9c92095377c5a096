package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.SessionIds;
import dev.durablestash.spring.web.UnstashedAtEndTests.Tally;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/** A {@link ViewBinding#stashAsync()} that waits for a {@link ViewBinding#resetAsync()} still in flight. */
class StashAfterResetTests extends BindingTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash").allow(Level.WARN, "")
            .allow(Level.ERROR, "");

    private int storedCount(String sid) {
        Tally stored = new Tally();
        recover(stored, sid);
        return stored.count;
    }

    /**
     * The commit's stash waits for a reset the handler did not wait for; the client goes away (the caller's
     * stage is cancelled) and the reset lands: the stash still runs (its caller has a copy of its stage) and
     * stores the value set after the reset.
     */
    @Test
    void aStashWaitingForAResetIsNotDroppedWhenItsCallerStopsWaiting() throws Exception {
        String sid = SessionIds.newSid();
        Tally tally = new Tally();
        ViewBinding binding = recover(tally, sid);
        storage.setLatency(Operation.PUT, Duration.ofMillis(300));
        CompletableFuture<Void> reset = binding.resetAsync().toCompletableFuture();
        tally.count = 2; // set after the reset (which put the fields back to their defaults)

        binding.stashAsync().toCompletableFuture().cancel(false); // the client went away during the commit

        reset.get(5, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (storedCount(sid) != 2 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(storedCount(sid)).as("the changes, stashed after the failed reset").isEqualTo(2);
    }

    /**
     * A streaming body fires a reset and a stash without waiting; the exchange ends while the stash waits for
     * the reset; both writes fail. The waiting stash is recorded as in flight from the start, so the end
     * follows it and reports its failure (not only the reset's).
     */
    @Test
    void aStashThatWaitedForAResetAndFailedAfterTheEndIsReported() throws Exception {
        Tally tally = new Tally();
        BoundViews bound = new BoundViews(views, adapter, TIMEOUT);
        bound.add(recover(tally, SessionIds.newSid()));
        storage.setLatency(Operation.PUT, Duration.ofMillis(200));
        storage.failNext(Operation.PUT, 100);
        CompletableFuture<Void> reset = BoundViews.resetAsync(bound.find(tally)).toCompletableFuture();
        tally.count = 3; // set after the reset (which put the fields back to their defaults)
        CompletableFuture<Void> stash = BoundViews.stashAsync(bound.find(tally)).toCompletableFuture();

        bound.reportUnstashedAtEnd("/tally", "they were made after the response was committed");

        assertThat(reset.handle((ok, failure) -> failure).get(5, TimeUnit.SECONDS)).isNotNull();
        assertThat(stash.handle((ok, failure) -> failure).get(5, TimeUnit.SECONDS)).as("the stash failed")
                .isNotNull();
        Thread.sleep(300);
        assertThat(logs.messages(Level.ERROR)).as("ERRORs logged").anySatisfy(m -> assertThat(m)
                .contains("NOT stashed").contains("tally"));
    }

    /**
     * A caller that fires a reset, sets a field and stashes: the stash waits for the reset, whose return to
     * the defaults leaves the field set since alone, and then stores it, as if the caller had waited.
     */
    @Test
    void aValueSetAfterAResetNotWaitedForIsStashed() throws Exception {
        String sid = SessionIds.newSid();
        Tally first = new Tally();
        ViewBinding stored = recover(first, sid);
        first.count = 2;
        stored.stashNow();
        Tally tally = new Tally();
        ViewBinding binding = recover(tally, sid);
        storage.setLatency(Operation.PUT, Duration.ofMillis(300));

        binding.resetAsync();
        tally.count = 5;
        binding.stashAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);

        storage.clearFaults();
        assertThat(storedCount(sid)).as("stored after the stash completed").isEqualTo(5);
    }
}
