package dev.durablestash.testsupport;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

/**
 * Log events of named loggers, captured instead of printed, and checked: for tests that provoke a
 * failure on purpose, so that the expected message is asserted rather than shown in the build
 * output as if something went wrong.
 *
 * <p>Register it as a field: {@code @RegisterExtension final ExpectedLogs logs =
 * ExpectedLogs.of(SessionStorage.class);}. Before each test the named loggers' events (at every
 * level their configuration lets through) go to this capture only; after the test the loggers are
 * restored and the test fails if a {@code WARN} or {@code ERROR} event was captured that no
 * {@link #expect expectation} matched, or if an expectation matched nothing. A test that expects
 * nothing therefore still fails when one of those loggers reports a warning or an error.
 *
 * <p><b>Thread-safety:</b> events may arrive on any thread; {@link #expect} is for the test's thread.
 */
public final class ExpectedLogs implements BeforeEachCallback, AfterEachCallback {

    private final List<String> loggerNames;
    private final List<Expectation> expectations = new ArrayList<>();
    private final List<Expectation> allowed = new ArrayList<>();
    private final List<ILoggingEvent> events = new ArrayList<>();
    private final List<Logger> captured = new ArrayList<>();
    private final Capture appender = new Capture();

    private ExpectedLogs(List<String> loggerNames) {
        this.loggerNames = List.copyOf(loggerNames);
    }

    /** @return a capture of the loggers named after {@code classes} (their fully qualified names) */
    public static ExpectedLogs of(Class<?>... classes) {
        return new ExpectedLogs(Arrays.stream(classes).map(Class::getName).toList());
    }

    /** @return a capture of the loggers {@code names} (a package name captures its classes' loggers too) */
    public static ExpectedLogs ofLoggers(String... names) {
        return new ExpectedLogs(List.of(names));
    }

    /**
     * Declares that the test logs, at {@code level}, at least one event whose formatted message
     * contains {@code text}. Checked after the test.
     *
     * @return this capture
     */
    public ExpectedLogs expect(Level level, String text) {
        expectations.add(new Expectation(level, text));
        return this;
    }

    /**
     * Lets events at {@code level} whose formatted message contains {@code text} pass without being
     * required: for a message that a class's tests provoke on purpose and check otherwise (a context
     * startup failure that the test asserts, for example).
     *
     * @return this capture
     */
    public ExpectedLogs allow(Level level, String text) {
        allowed.add(new Expectation(level, text));
        return this;
    }

    /** @return the formatted messages captured so far at {@code level} */
    public List<String> messages(Level level) {
        return snapshot().stream().filter(event -> event.getLevel().equals(level))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** @return the events captured so far at {@code level} (with their stack traces, if any) */
    public List<ILoggingEvent> events(Level level) {
        return snapshot().stream().filter(event -> event.getLevel().equals(level)).toList();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stop();
        verify();
    }

    /** Starts capturing; for use without JUnit's extension model. */
    public void start() {
        synchronized (events) {
            events.clear();
        }
        appender.setContext((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory());
        appender.start();
        for (String name : loggerNames) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            logger.addAppender(appender);
            logger.setAdditive(false);
            captured.add(logger);
        }
    }

    /** Stops capturing and restores the loggers; for use without JUnit's extension model. */
    public void stop() {
        for (Logger logger : captured) {
            logger.detachAppender(appender);
            logger.setAdditive(true);
        }
        captured.clear();
        appender.stop();
    }

    /**
     * @throws AssertionError if a {@code WARN} or {@code ERROR} event matched no expectation, or an
     *     expectation matched no event
     */
    public void verify() {
        List<ILoggingEvent> seen = snapshot();
        List<String> problems = new ArrayList<>();
        for (Expectation expectation : expectations) {
            if (seen.stream().noneMatch(expectation)) {
                problems.add("expected a " + expectation.level + " event containing \"" + expectation.text
                        + "\", but none was logged");
            }
        }
        for (ILoggingEvent event : seen) {
            if (event.getLevel().isGreaterOrEqual(Level.WARN) && expectations.stream().noneMatch(e -> e.test(event))
                    && allowed.stream().noneMatch(e -> e.test(event))) {
                problems.add("unexpected " + event.getLevel() + " from " + event.getLoggerName() + ": "
                        + event.getFormattedMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.stream().collect(Collectors.joining("\n  ", "Log events of "
                    + loggerNames + ":\n  ", "")));
        }
    }

    private List<ILoggingEvent> snapshot() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    private record Expectation(Level level, String text) implements Predicate<ILoggingEvent> {
        @Override
        public boolean test(ILoggingEvent event) {
            return event.getLevel().equals(level) && event.getFormattedMessage().contains(text);
        }
    }

    private final class Capture extends AppenderBase<ILoggingEvent> {
        @Override
        protected void append(ILoggingEvent event) {
            synchronized (events) {
                events.add(event);
            }
        }
    }
}
