package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.SessionIds;
import dev.durablestash.spring.web.UnstashedAtEndReviewTests.Tally;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/** {@link BoundViews#reportUnstashedAtEnd} after a non-blocking reset that failed: reported once, as a failed reset. */
class ResetFinalReviewTests extends BindingTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash").allow(Level.WARN, "")
            .allow(Level.ERROR, "");

    /**
     * The view has a stored count of 5. A reset the caller stopped waiting for fails before the end looks: the
     * fields are at their defaults (0), which differ from what is stored. One failure, the reset's, should be
     * logged once; it is also reported a second time as changes "NOT stashed" for the reason given (made after
     * the commit), which is false: the handler made no change after the commit.
     */
    @Test
    void aResetThatFailedUnseenOverStoredStateIsReportedOnceNotAlsoAsUnstashedChanges() throws Exception {
        String sid = SessionIds.newSid();
        Tally stored = new Tally();
        ViewBinding first = recover(stored, sid);
        stored.count = 5;
        first.stashNow();
        Tally tally = new Tally();
        BoundViews bound = new BoundViews(views, adapter, TIMEOUT);
        bound.add(recover(tally, sid));
        assertThat(tally.count).isEqualTo(5);
        storage.setLatency(Operation.PUT, Duration.ofMillis(200));
        storage.failNext(Operation.PUT, 100);
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
