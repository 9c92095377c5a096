package dev.durablestash.sample.counter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The sample processes of one test: started through {@link #start}, their output kept in files under
 * {@code target/sample-processes/TEST_CLASS/TEST_METHOD/}, killed after the test if still running, and
 * their output printed (the last {@value #TAIL_LINES} lines of each file) only when the test failed,
 * so a passing build stays quiet. Register it as a field:
 * {@code @RegisterExtension final SampleProcesses processes = new SampleProcesses();}.
 */
final class SampleProcesses implements BeforeEachCallback, AfterEachCallback, TestWatcher {

    private static final int TAIL_LINES = 200;

    private final List<SampleProcess> started = new ArrayList<>();
    private Path logDirectory = Path.of("target", "sample-processes");

    @Override
    public void beforeEach(ExtensionContext context) {
        logDirectory = Path.of("target", "sample-processes", context.getRequiredTestClass().getSimpleName(),
                context.getRequiredTestMethod().getName());
        started.clear();
    }

    /**
     * Starts the sample in a child JVM and waits until it is ready.
     *
     * @param name a name for its log files
     * @param arguments Spring Boot arguments
     */
    SampleProcess start(String name, List<String> arguments) {
        SampleProcess process = SampleProcess.onFreePort(name, logDirectory, arguments);
        started.add(process);
        process.start();
        return process;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        started.forEach(SampleProcess::close);
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        for (SampleProcess process : started) {
            for (Path log : process.logs()) {
                System.out.println("---- " + log.toAbsolutePath() + " (last " + TAIL_LINES + " lines) ----");
                try {
                    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                    lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()).forEach(System.out::println);
                } catch (IOException e) {
                    System.out.println("(unreadable: " + e + ")");
                }
            }
        }
    }
}
