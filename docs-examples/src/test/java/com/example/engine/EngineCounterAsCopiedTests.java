package com.example.engine;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.core.ViewTurn;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The README's engine example as an application would copy it: an increment whose recovery reports
 * {@code ERROR} (storage did not answer the read) must not replace the stored count with one counted from the
 * defaults; the README itself says "After an ERROR recovery, stash nothing derived from the defaults".
 */
class EngineCounterAsCopiedTests {

    private static final String SECRET = "a-secret-of-at-least-thirty-two-bytes!!";

    @Test
    void aFailedReadNeverResetsTheStoredCount() {
        InMemoryStorageBackend storage = new InMemoryStorageBackend();
        String sid = SessionIds.newSid();
        try (StashAdapter stash = new StashAdapter(storage, StashSettings.builder().secret(SECRET).build())) {
            for (int i = 0; i < 5; i++) {
                EngineCounter.increment(stash, sid);
            }
        }
        try (StashAdapter stash = new StashAdapter(storage, StashSettings.builder().secret(SECRET).build())) {
            storage.failNext(Operation.GET, 1);
            Throwable failed = quietly(() -> EngineCounter.increment(stash, sid));
            if (failed == null) {
                // an increment that did not fail must have counted from the stored 5
                assertThat(EngineCounter.increment(stash, sid)).as("the count after 6 increments").isEqualTo(7);
            }
            assertThat(EngineCounter.increment(stash, sid)).as("the stored count is never reset").isGreaterThan(5);
        }
    }

    /**
     * StashAdapter.turn's javadoc: "When that cancel returns false the turn was granted meanwhile and must be
     * closed". It also returns false when the wait ended with the engine's StashTimeoutException: there is no
     * turn to close, and the copied pattern {@code if (!f.cancel(false)) f.join().close();} throws.
     */
    @Test
    void cancelReturnsFalseAlsoWhenTheEngineTimedTheWaitOut() throws Exception {
        InMemoryStorageBackend storage = new InMemoryStorageBackend();
        String sid = SessionIds.newSid();
        try (StashAdapter stash = new StashAdapter(storage, StashSettings.builder().secret(SECRET)
                .operationTimeout(java.time.Duration.ofMillis(200)).build())) {
            ViewTurn held = stash.turn(sid, EngineCounter.COUNTER).toCompletableFuture().get(5, TimeUnit.SECONDS);
            try {
                CompletableFuture<ViewTurn> waiting = stash.turn(sid, EngineCounter.COUNTER).toCompletableFuture();
                Throwable timedOut = catchThrowable(() -> waiting.get(5, TimeUnit.SECONDS));
                assertThat(timedOut).as("the engine's deadline ended the wait").isNotNull();
                assertThat(waiting.cancel(false)).as("cancel after the engine's deadline").isFalse();
                assertThat(waiting.isCompletedExceptionally()).as("no turn was granted to close").isTrue();
            } finally {
                held.close();
            }
        }
    }

    /**
     * Runs {@code increment} with the engine's WARN of the failed read captured rather than printed (the
     * build prints no log line a test provokes), and asserts that WARN.
     *
     * @return what it threw, or {@code null}
     */
    private static Throwable quietly(org.assertj.core.api.ThrowableAssert.ThrowingCallable increment) {
        Logger logger = (Logger) LoggerFactory.getLogger("dev.durablestash.core.SessionActor");
        ListAppender<ILoggingEvent> heard = new ListAppender<>();
        heard.start();
        boolean additive = logger.isAdditive();
        logger.addAppender(heard);
        logger.setAdditive(false);
        try {
            return catchThrowable(increment);
        } finally {
            logger.setAdditive(additive);
            logger.detachAppender(heard);
            assertThat(heard.list).as("the engine's WARN of the failed read")
                    .anyMatch(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains("recover failed"));
        }
    }
}
