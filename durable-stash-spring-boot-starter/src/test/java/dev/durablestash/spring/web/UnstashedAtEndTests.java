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

/**
 * {@link BoundViews#reportUnstashedAtEnd}: what a WebFlux exchange that ended says of its views' changes
 * and stashes in flight, also when a stash fails while it looks.
 */
class UnstashedAtEndTests extends BindingTestSupport {

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
