package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.SessionIds;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.web.UnstashedAtEndTests.Probe;
import dev.durablestash.spring.web.UnstashedAtEndTests.Tally;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/** Values set after a {@link ViewBinding#resetAsync()} not waited for, which puts the fields back to their defaults at once. */
class RestoreDefaultsTests extends BindingTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash").allow(Level.WARN, "")
            .allow(Level.ERROR, "");

    @StashedView(name = "probed-tally")
    static class ProbedTally {
        @Stashed int count;
        @Stashed Probe probe = new Probe();
    }

    @AfterEach
    void removeHook() {
        Probe.onRead = () -> { };
    }

    private int storedCount(String sid) {
        Tally stored = new Tally();
        recover(stored, sid);
        return stored.count;
    }

    /**
     * "Start over at 2" when the count is 2 already: the caller fires the reset, sets count to 2 and
     * stashes. As if it had waited, 2 is stored and kept in the field its response showed (an earlier form
     * took the value equal to the one when the reset was sent as unchanged, and reset it to 0).
     */
    @Test
    void aValueSetAfterAResetToWhatItWasWhenTheResetWasSentIsStashed() throws Exception {
        String sid = SessionIds.newSid();
        Tally first = new Tally();
        ViewBinding stored = recover(first, sid);
        first.count = 2;
        stored.stashNow();
        Tally tally = new Tally();
        ViewBinding binding = recover(tally, sid);
        storage.setLatency(Operation.PUT, Duration.ofMillis(300));

        binding.resetAsync();
        tally.count = 2; // the handler's "count = 2", as it would after waiting for the reset
        binding.stashAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);

        storage.clearFaults();
        assertThat(tally.count).as("the field the handler set (and its response showed)").isEqualTo(2);
        assertThat(storedCount(sid)).as("stored after the stash completed").isEqualTo(2);
    }

    /**
     * The reset lands on an engine thread while the caller (a WebFlux handler, on its own thread) sets a
     * field: nothing reads or writes the fields there (an earlier form compared and restored them when the
     * reset landed, racing the caller's writes), and the value set is kept, on the page and in storage.
     */
    @Test
    void aValueSetWhileTheResetLandsIsKept() throws Exception {
        String sid = SessionIds.newSid();
        ProbedTally first = new ProbedTally();
        ViewBinding stored = recover(first, sid);
        first.count = 2;
        stored.stashNow();
        ProbedTally view = new ProbedTally();
        ViewBinding binding = recover(view, sid);
        storage.setLatency(Operation.PUT, Duration.ofMillis(200)); // the reset lands on an engine thread
        Thread caller = Thread.currentThread();
        AtomicBoolean readElsewhere = new AtomicBoolean();
        Probe.onRead = () -> {
            if (Thread.currentThread() != caller) {
                readElsewhere.set(true);
            }
        };

        var reset = binding.resetAsync().toCompletableFuture();
        view.count = 5; // the handler's "count = 5", after the reset was sent
        reset.get(5, TimeUnit.SECONDS);
        binding.stashAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);

        Probe.onRead = () -> { };
        storage.clearFaults();
        ProbedTally again = new ProbedTally();
        recover(again, sid);
        assertThat(readElsewhere).as("a field read off the caller's thread").isFalse();
        assertThat(view.count).as("the field set after the reset was sent").isEqualTo(5);
        assertThat(again.count).as("stored").isEqualTo(5);
    }
}
