package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.SessionIds;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;
import dev.durablestash.testsupport.Stages;

/**
 * {@link BoundViews#reportUnstashedAtEnd}: what a WebFlux exchange that ended says of its views' changes
 * and stashes in flight, also when a stash fails while it looks.
 */
class UnstashedAtEndReviewTests extends BindingTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash").allow(Level.WARN, "");

    /** A value whose getter runs a hook each time the value is read (to snapshot or encode it). */
    public static class Probe {
        static volatile Runnable onRead = () -> { };
        private String text = "a";

        public String getText() {
            onRead.run();
            return text;
        }

        public void setText(String text) {
            this.text = text;
        }
    }

    @StashedView(name = "tally")
    static class Tally {
        @Stashed int count;
    }

    @StashedView(name = "probed")
    static class Probed {
        @Stashed Probe probe = new Probe();
    }

    @AfterEach
    void removeHook() {
        Probe.onRead = () -> { };
    }

    /**
     * The first view's stash is in flight when the exchange ends, and fails while the second view is looked
     * at for changes (after the first was counted as in flight, not as changed): its failure is still
     * reported, once it is known.
     */
    @Test
    void aStashThatFailsWhileTheEndLooksAtTheViewsIsReported() throws Exception {
        logs.expect(Level.ERROR, "their stash failed after the exchange had ended");
        String sid = SessionIds.newSid();
        Tally tally = new Tally();
        BoundViews bound = new BoundViews(views, adapter, TIMEOUT);
        bound.add(recover(tally, sid));
        bound.add(recover(new Probed(), sid));
        storage.setLatency(Operation.PUT, Duration.ofMillis(200));
        storage.failNext(Operation.PUT, 100); // every attempt fails, after the latency
        tally.count = 1;
        CompletableFuture<Void> stash = BoundViews.stashAsync(bound.find(tally)).toCompletableFuture();
        Probe.onRead = () -> stash.handle((ok, failure) -> failure).join(); // the stash fails meanwhile

        bound.reportUnstashedAtEnd("/tally", "the exchange ended");

        Probe.onRead = () -> { };
        assertThat(stash).isCompletedExceptionally();
        assertThat(logs.messages(Level.ERROR)).as("errors logged").singleElement()
                .satisfies(m -> assertThat(m).contains("[tally]").contains("their stash failed after the exchange"));
    }

    /**
     * A reset (a streaming body's {@code ReactiveStash.reset()}) is in flight when the exchange ends and then
     * fails: nobody waits for it any more, so the end reports it once it fails. One that lands is not reported.
     */
    @Test
    void aResetInFlightWhenTheExchangeEndsIsReportedOnceItFails() throws Exception {
        logs.expect(Level.ERROR, "FAILED after the exchange had ended");
        String sid = SessionIds.newSid();
        Tally tally = new Tally();
        BoundViews bound = new BoundViews(views, adapter, TIMEOUT);
        bound.add(recover(tally, sid));
        storage.setLatency(Operation.PUT, Duration.ofMillis(200));
        storage.failNext(Operation.PUT, 100); // every attempt fails, after the latency
        CompletableFuture<Void> reset = BoundViews.resetAsync(bound.find(tally)).toCompletableFuture();

        bound.reportUnstashedAtEnd("/tally", "the exchange ended");

        assertThat(logs.messages(Level.ERROR)).as("nothing to report while the reset is in flight").isEmpty();
        assertThat(reset.handle((ok, failure) -> failure).get(5, TimeUnit.SECONDS)).isNotNull();
        Stages.awaitUntil("the failed reset reported", () -> !logs.messages(Level.ERROR).isEmpty());
        assertThat(logs.messages(Level.ERROR)).as("errors logged").singleElement()
                .satisfies(m -> assertThat(m).contains("'tally'").contains("/tally")
                        .contains("FAILED after the exchange had ended"));

        storage.failNext(Operation.PUT, 0);
        CompletableFuture<Void> landing = BoundViews.resetAsync(bound.find(tally)).toCompletableFuture();
        bound.reportUnstashedAtEnd("/tally", "the exchange ended");
        landing.get(5, TimeUnit.SECONDS);
        assertThat(logs.messages(Level.ERROR)).as("a reset that lands is not reported").hasSize(1);
    }

    /**
     * A caller that stops waiting for a reset (a cancelled WebFlux exchange) cancels its copy of the stage,
     * not the fields' return to their defaults once the reset lands.
     */
    @Test
    void aResetWhoseCallerStopsWaitingStillRestoresTheDefaults() throws Exception {
        String sid = SessionIds.newSid();
        Tally stored = new Tally();
        ViewBinding first = recover(stored, sid);
        stored.count = 5;
        first.stashNow();
        Tally tally = new Tally();
        ViewBinding binding = recover(tally, sid);
        assertThat(tally.count).isEqualTo(5);
        storage.setLatency(Operation.PUT, Duration.ofMillis(200));

        binding.resetAsync().toCompletableFuture().cancel(false);

        Tally after = new Tally();
        recover(after, sid); // the session's actor answers it after the reset
        assertThat(after.count).as("the reset landed").isZero();
        Stages.awaitUntil("the defaults restored", () -> tally.count == 0);
        assertThat(binding.hasChanges()).isFalse();
    }

    /** An Error while the value is encoded (before anything is sent): the change is unstashed, nothing in flight. */
    @Test
    void aStashThatThrowsAnErrorBeforeItsWriteIsSentLeavesNothingInFlight() throws Exception {
        String sid = SessionIds.newSid();
        Probed view = new Probed();
        ViewBinding binding = recover(view, sid);
        view.probe.setText("b");
        int[] reads = { 0 };
        Probe.onRead = () -> {
            if (++reads[0] == 2) { // the first read is the binding's snapshot, the second the engine's encoding
                throw new OutOfMemoryError("while encoding");
            }
        };
        try {
            binding.stashAsync();
            throw new AssertionError("no error");
        } catch (OutOfMemoryError expected) {
            // thrown by the engine's encoding
        }
        Probe.onRead = () -> { };
        assertThat(binding.stashInFlight()).as("nothing in flight").isNull();
        assertThat(binding.hasChanges()).as("nothing was sent: the change is unstashed").isTrue();
        binding.stashAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(binding.hasChanges()).isFalse();
    }
}
