package dev.durablestash.spring.web;

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
 * Sees requests (Spring MVC) or exchanges (WebFlux) start waiting for a view's turn, through the DEBUG
 * line the integration logs when a turn is not free: lets a test know, without sleeping, that a request
 * is queued.
 */
public final class TurnWatch extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final Logger logger;
    private final Level previousLevel;
    private final List<Expected> expected = new ArrayList<>();

    private record Expected(String view, CompletableFuture<Void> seen) {
    }

    private TurnWatch(String loggerName) {
        logger = (Logger) LoggerFactory.getLogger(loggerName);
        previousLevel = logger.getLevel();
    }

    /** @return a watch of Spring MVC requests: the view binding of this package logs their waits */
    public static TurnWatch attach() {
        return attach("dev.durablestash.spring.web.ViewBinding");
    }

    /** @return a watch of the waits the logger of that name logs (WebFlux: {@code ExchangeViews}') */
    public static TurnWatch attach(String loggerName) {
        TurnWatch watch = new TurnWatch(loggerName);
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
     * @return completes when the next request starts waiting for the turn of that view
     */
    public synchronized CompletableFuture<Void> nextWaitFor(String view) {
        CompletableFuture<Void> seen = new CompletableFuture<>();
        expected.add(new Expected(view, seen));
        return seen;
    }

    /**
     * Waits until a request queues for its turn, and fails at once if the request completes
     * instead (it was not held up).
     */
    public static void assertQueued(CompletableFuture<Void> waiting, CompletableFuture<?> request) throws Exception {
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
