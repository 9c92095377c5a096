package dev.durablestash.spring.web.reactive;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sees exchanges start waiting for a view's turn, through the DEBUG line {@link ExchangeViews} logs when
 * a turn is not free: lets a test know, without sleeping, that an exchange is queued.
 */
final class TurnWatch extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final Logger logger = (Logger) LoggerFactory.getLogger(ExchangeViews.class);
    private final Level previousLevel;
    private final List<Expected> expected = new ArrayList<>();

    private record Expected(String view, CompletableFuture<Void> seen) {
    }

    private TurnWatch() {
        previousLevel = logger.getLevel();
    }

    static TurnWatch attach() {
        TurnWatch watch = new TurnWatch();
        watch.setContext(watch.logger.getLoggerContext());
        watch.start();
        watch.logger.addAppender(watch);
        watch.logger.setLevel(Level.DEBUG);
        return watch;
    }

    /**
     * Arm before sending the request.
     *
     * @param view the view name
     * @return completes when the next exchange starts waiting for the turn of that view
     */
    synchronized CompletableFuture<Void> nextWaitFor(String view) {
        CompletableFuture<Void> seen = new CompletableFuture<>();
        expected.add(new Expected(view, seen));
        return seen;
    }

    /**
     * Waits until a request queues for its turn, and fails at once if the request completes instead (it
     * was not held up).
     */
    static void assertQueued(CompletableFuture<Void> waiting, CompletableFuture<?> request) throws Exception {
        CompletableFuture.anyOf(waiting, request).get(30, TimeUnit.SECONDS);
        assertThat(waiting).as("the request waits for its turn instead of running at once").isDone();
        assertThat(request).as("the queued request").isNotDone();
    }

    @Override
    protected synchronized void append(ILoggingEvent event) {
        String message = event.getFormattedMessage();
        for (Expected e : expected) {
            if (message.contains("turn of view '" + e.view() + "'") && !e.seen().isDone()) {
                expected.remove(e);
                e.seen().complete(null);
                return;
            }
        }
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        logger.setLevel(previousLevel);
        stop();
    }
}
