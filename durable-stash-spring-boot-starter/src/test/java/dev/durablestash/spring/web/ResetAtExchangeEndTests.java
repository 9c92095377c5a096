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
import dev.durablestash.testsupport.Stages;

/**
 * A non-blocking reset (a WebFlux handler's {@code ReactiveStash.reset()}) and the end of its exchange
 * ({@link BoundViews#reportUnstashedAtEnd}, {@link BoundViews#reportWritesFailedAtEnd}): a reset nobody
 * waits for any more is reported should it fail, and the changes it discards are not reported as unstashed.
 */
class ResetAtExchangeEndTests extends BindingTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash").allow(Level.WARN, "");

    /** Views bound for one exchange, the tally's recovered. */
    private BoundViews bind(Tally tally) throws Exception {
        BoundViews bound = new BoundViews(views, adapter, TIMEOUT);
        bound.add(recover(tally, SessionIds.newSid()));
        return bound;
    }

    /** Stores {@code count} in the session's tally (through another binding), then recovers {@code tally}. */
    private ViewBinding recoverAfterStoring(int count, Tally tally, String sid) throws Exception {
        Tally stored = new Tally();
        ViewBinding first = recover(stored, sid);
        stored.count = count;
        first.stashNow();
        ViewBinding binding = recover(tally, sid);
        assertThat(tally.count).isEqualTo(count);
        return binding;
    }

    /** Every write fails, after {@code latency}. */
    private void failWrites(Duration latency) {
        storage.setLatency(Operation.PUT, latency);
        storage.failNext(Operation.PUT, 100);
    }

    /**
     * A reset (a streaming body's {@code ReactiveStash.reset()}) is in flight when the exchange ends and then
     * fails: nobody waits for it any more, so the end reports it once it fails. One that lands is not reported.
     */
    @Test
    void aResetInFlightWhenTheExchangeEndsIsReportedOnceItFails() throws Exception {
        logs.expect(Level.ERROR, "FAILED after the response's status was decided");
        Tally tally = new Tally();
        BoundViews bound = bind(tally);
        failWrites(Duration.ofMillis(200));
        CompletableFuture<Void> reset = BoundViews.resetAsync(bound.find(tally)).toCompletableFuture();

        bound.reportUnstashedAtEnd("/tally", "the exchange ended");

        assertThat(logs.messages(Level.ERROR)).as("nothing to report while the reset is in flight").isEmpty();
        assertThat(reset.handle((ok, failure) -> failure).get(5, TimeUnit.SECONDS)).isNotNull();
        Stages.awaitUntil("the failed reset reported", () -> !logs.messages(Level.ERROR).isEmpty());
        assertThat(logs.messages(Level.ERROR)).as("errors logged").singleElement()
                .satisfies(m -> assertThat(m).contains("'tally'").contains("/tally")
                        .contains("FAILED after the response's status was decided"));


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
        Tally tally = new Tally();
        ViewBinding binding = recoverAfterStoring(5, tally, sid);
        storage.setLatency(Operation.PUT, Duration.ofMillis(200));

        binding.resetAsync().toCompletableFuture().cancel(false);

        Tally after = new Tally();
        recover(after, sid); // the session's actor answers it after the reset
        assertThat(after.count).as("the reset landed").isZero();
        Stages.awaitUntil("the defaults restored", () -> tally.count == 0);
        assertThat(binding.hasChanges()).isFalse();
    }

    /**
     * The client goes away (the handler's copy of the reset's stage is cancelled) and the reset fails before
     * the exchange's end looks: nobody saw that failure, and a failed reset leaves no changes behind to
     * report, so the end reports the failed reset itself.
     */
    @Test
    void aResetThatFailedUnseenBeforeTheEndLooksIsReported() throws Exception {
        logs.expect(Level.ERROR, "FAILED after the response's status was decided");
        Tally tally = new Tally();
        BoundViews bound = bind(tally);
        failWrites(Duration.ofMillis(200));
        ViewBinding binding = (ViewBinding) bound.find(tally);
        BoundViews.resetAsync(binding).toCompletableFuture().cancel(false); // the client went away
        CompletableFuture<Void> write = binding.resetNotLanded();
        assertThat(write).as("the reset's write, in flight").isNotNull();
        assertThat(write.handle((ok, failure) -> failure).get(5, TimeUnit.SECONDS)).isNotNull();

        bound.reportUnstashedAtEnd("/tally", "the exchange ended");

        assertThat(logs.messages(Level.ERROR)).as("errors logged").singleElement()
                .satisfies(m -> assertThat(m).contains("'tally'")
                        .contains("FAILED after the response's status was decided"));
    }

    /**
     * The same before the handler finished (the client went away while it ran): its changes are dropped
     * unreported, as ever, but the failed reset is reported.
     */
    @Test
    void aResetOfAHandlerThatDidNotFinishIsReportedShouldItFail() throws Exception {
        logs.expect(Level.ERROR, "FAILED after the response's status was decided");
        Tally tally = new Tally();
        BoundViews bound = bind(tally);
        failWrites(Duration.ofMillis(200));
        CompletableFuture<Void> reset = BoundViews.resetAsync(bound.find(tally)).toCompletableFuture();

        bound.reportWritesFailedAtEnd("/tally");

        assertThat(reset.handle((ok, failure) -> failure).get(5, TimeUnit.SECONDS)).isNotNull();
        Stages.awaitUntil("the failed reset reported", () -> !logs.messages(Level.ERROR).isEmpty());
        assertThat(logs.messages(Level.ERROR)).singleElement().satisfies(m -> assertThat(m).contains("'tally'"));
    }

    /** A stash of a handler that did not finish, failed unseen: reported, with its views. */
    @Test
    void aStashOfAHandlerThatDidNotFinishIsReportedShouldItFail() throws Exception {
        logs.expect(Level.ERROR, "its stash failed after the client had gone away");
        Tally tally = new Tally();
        BoundViews bound = bind(tally);
        failWrites(Duration.ofMillis(200));
        tally.count = 3;
        CompletableFuture<Void> stash = BoundViews.stashAsync(bound.find(tally)).toCompletableFuture();
        stash.cancel(false); // the client went away
        ViewBinding binding = (ViewBinding) bound.find(tally);
        CompletableFuture<Void> write = binding.stashNotLanded();
        assertThat(write).as("the stash's write, in flight").isNotNull();
        assertThat(write.handle((ok, failure) -> failure).get(5, TimeUnit.SECONDS)).isNotNull();

        bound.reportWritesFailedAtEnd("/tally");

        assertThat(logs.messages(Level.ERROR)).singleElement().satisfies(m -> assertThat(m).contains("'tally'"));
    }

    /**
     * A streaming body changes a field and then resets the view (to discard the change); the exchange ends
     * while the reset is in flight, and the reset lands: the discarded change is not reported as unstashed.
     */
    @Test
    void changesThatAResetInFlightDiscardsAreNotReportedAsUnstashed() throws Exception {
        Tally tally = new Tally();
        BoundViews bound = bind(tally);
        storage.setLatency(Operation.PUT, Duration.ofMillis(300));
        tally.count = 7;
        CompletableFuture<Void> reset = BoundViews.resetAsync(bound.find(tally)).toCompletableFuture();

        bound.reportUnstashedAtEnd("/tally", "they were made after the response was committed");

        reset.get(5, TimeUnit.SECONDS);
        assertThat(tally.count).isZero();
        assertThat(logs.messages(Level.ERROR)).as("errors logged for a reset that landed").isEmpty();
    }

    /**
     * A streaming body resets the view without waiting and sets a value after it; the exchange ends while the
     * reset is in flight, and nothing will stash the value: once the reset landed, the end reports it.
     */
    @Test
    void aValueSetAfterAResetInFlightAtTheEndIsReportedOnceTheResetLanded() throws Exception {
        logs.expect(Level.ERROR, "are NOT stashed");
        Tally tally = new Tally();
        BoundViews bound = bind(tally);
        storage.setLatency(Operation.PUT, Duration.ofMillis(300));
        CompletableFuture<Void> reset = BoundViews.resetAsync(bound.find(tally)).toCompletableFuture();
        tally.count = 4;

        bound.reportUnstashedAtEnd("/tally", "they were made after the response was committed");

        assertThat(logs.messages(Level.ERROR)).as("nothing known while the reset is in flight").isEmpty();
        reset.get(5, TimeUnit.SECONDS);
        Stages.awaitUntil("the value reported", () -> !logs.messages(Level.ERROR).isEmpty());
        assertThat(logs.messages(Level.ERROR)).singleElement().satisfies(m -> assertThat(m).contains("'tally'")
                .contains("they were made after the response was committed"));
    }

    /**
     * The view has a stored count of 5. A reset the caller stopped waiting for fails before the end looks: the
     * fields are at their defaults (0), which differ from what is stored, but the handler made no change. The
     * one failure is logged once, as the reset's (it was also reported as changes NOT stashed).
     */
    @Test
    void aResetThatFailedUnseenOverStoredStateIsReportedOnceNotAlsoAsUnstashedChanges() throws Exception {
        logs.expect(Level.ERROR, "FAILED after the response's status was decided");
        String sid = SessionIds.newSid();
        Tally tally = new Tally();
        BoundViews bound = new BoundViews(views, adapter, TIMEOUT);
        bound.add(recoverAfterStoring(5, tally, sid));
        failWrites(Duration.ofMillis(200));
        ViewBinding binding = (ViewBinding) bound.find(tally);
        BoundViews.resetAsync(binding).toCompletableFuture().cancel(false); // the client went away
        CompletableFuture<Void> write = binding.resetNotLanded();
        assertThat(write.handle((ok, failure) -> failure).get(5, TimeUnit.SECONDS)).isNotNull();

        bound.reportUnstashedAtEnd("/tally", "they were made after the response was committed");
        Thread.sleep(200);

        assertThat(logs.messages(Level.ERROR)).as("ERRORs logged for one failed reset").singleElement()
                .satisfies(m -> assertThat(m).contains("FAILED"));
    }
}
