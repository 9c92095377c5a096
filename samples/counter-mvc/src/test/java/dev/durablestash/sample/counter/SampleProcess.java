package dev.durablestash.sample.counter;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

/**
 * The MVC sample as a real child JVM: {@code java -cp <this test JVM's class path, without the test
 * classes> CounterMvcApplication --server.port=PORT ...}, on 127.0.0.1. Its output goes to a file
 * (one per start, {@code NAME-N.log} in the log directory), not to the build's output. {@link #kill()}
 * is SIGKILL ({@link Process#destroyForcibly()}), {@link #terminate()} SIGTERM ({@link Process#destroy()});
 * {@link #start()} starts it again on the same port with the same arguments, so over the same storage.
 * Not thread-safe: one test thread drives it (clients only read {@link #uri(String)}).
 */
final class SampleProcess implements AutoCloseable {

    /** Generous: a Spring Boot start on a 2-core machine shared with other builds can take long. */
    static final Duration READY_TIMEOUT = Duration.ofMinutes(2);

    private static final List<String> JVM_OPTIONS = List.of(
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m", "-Xss512k", "-XX:-UsePerfData");

    private final String name;
    private final Path logDirectory;
    private final List<String> arguments;
    private int port;
    private final HttpClient probe = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Path> logs = new ArrayList<>();
    private @Nullable Process process;
    private Duration lastStartup = Duration.ZERO;
    private boolean everReady;

    private SampleProcess(String name, Path logDirectory, List<String> arguments, int port) {
        this.name = name;
        this.logDirectory = logDirectory;
        this.arguments = List.copyOf(arguments);
        this.port = port;
    }

    /**
     * The sample on a free port, not started yet.
     *
     * @param name a name for its log files
     * @param logDirectory where its output goes
     * @param arguments Spring Boot arguments, e.g. {@code --durable-stash.storage.type=s3}
     */
    static SampleProcess onFreePort(String name, Path logDirectory, List<String> arguments) {
        return new SampleProcess(name, logDirectory, arguments, freePort());
    }

    /**
     * Starts the sample (again) on its port, with its arguments, and waits until
     * {@code /actuator/health} answers 200.
     */
    void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        for (int attempt = 1; ; attempt++) {
            try {
                launch();
                return;
            } catch (PortTakenException e) {
                if (attempt == 10) {
                    throw new AssertionError(name + " found port " + port + " taken " + attempt + " times; its output: "
                            + logs.get(logs.size() - 1).toAbsolutePath(), e);
                }
                if (!everReady) {
                    port = freePort(); // never started yet: any port will do
                } else {
                    pause(Duration.ofMillis(200)); // restarts keep the port: wait until whoever took it lets go
                }
            }
        }
    }

    private void launch() throws PortTakenException {
        try {
            Files.createDirectories(logDirectory);
            Path log = logDirectory.resolve(name + "-" + (logs.size() + 1) + ".log");
            logs.add(log);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(JVM_OPTIONS);
            command.add("-cp");
            command.add(applicationClassPath());
            command.add(CounterMvcApplication.class.getName());
            command.add("--server.address=127.0.0.1");
            command.add("--server.port=" + port);
            command.add("--spring.main.banner-mode=off");
            command.add("--management.endpoints.web.exposure.include=health,metrics");
            command.addAll(arguments);
            long started = System.nanoTime();
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            awaitReady();
            lastStartup = Duration.ofNanos(System.nanoTime() - started);
            everReady = true;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
    }

    /** SIGKILL: the JVM ends at once, nothing of it runs any more. Waits until it is gone. */
    void kill() {
        Process running = running();
        running.destroyForcibly();
        awaitExit(running, Duration.ofSeconds(30));
    }

    /** SIGTERM: the JVM shuts down as on a redeploy (Spring closes its context). Does not wait. */
    void terminate() {
        running().destroy();
    }

    /**
     * @param timeout how long to wait
     * @return the exit code
     * @throws AssertionError if the process has not ended by then
     */
    int awaitExit(Duration timeout) {
        return awaitExit(running(), timeout);
    }

    /** @return how long the last start took, from launching the JVM until it answered its health endpoint */
    Duration lastStartup() {
        return lastStartup;
    }

    /** @return {@code http://127.0.0.1:PORT} plus {@code pathAndQuery} */
    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    /** @return the process's output files, one per start, oldest first */
    List<Path> logs() {
        return List.copyOf(logs);
    }

    String name() {
        return name;
    }

    /** SIGKILL if still running. */
    @Override
    public void close() {
        Process running = process;
        if (running != null && running.isAlive()) {
            running.destroyForcibly();
            awaitExit(running, Duration.ofSeconds(30));
        }
    }

    private Process running() {
        Process running = process;
        if (running == null) {
            throw new IllegalStateException(name + " was never started");
        }
        return running;
    }

    private void awaitReady() throws PortTakenException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        HttpRequest health = HttpRequest.newBuilder(uri("/actuator/health")).timeout(Duration.ofSeconds(10)).build();
        while (true) {
            Process running = running();
            if (!running.isAlive()) {
                if (portTaken(logs.get(logs.size() - 1))) {
                    throw new PortTakenException();
                }
                throw new AssertionError(name + " exited with " + running.exitValue() + " before it was ready; its output: "
                        + logs.get(logs.size() - 1).toAbsolutePath());
            }
            try {
                if (probe.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (ConnectException e) {
                // not listening yet
            } catch (IOException e) {
                // listening, not answering yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " was not ready within " + READY_TIMEOUT + "; its output: "
                        + logs.get(logs.size() - 1).toAbsolutePath());
            }
            try {
                running.waitFor(50, TimeUnit.MILLISECONDS); // a poll interval that ends early if the JVM exits
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
        }
    }

    private int awaitExit(Process running, Duration timeout) {
        try {
            if (!running.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " did not exit within " + timeout);
            }
            return running.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name + " to exit", e);
        }
    }

    /**
     * The class path of this test JVM without the test classes (and so without the tests'
     * {@code logback-test.xml}): the sample's classes and its dependencies, plus test-scoped jars
     * that it does not use.
     */
    private static String applicationClassPath() {
        String classPath = System.getProperty("java.class.path");
        return Arrays.stream(classPath.split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes") && !entry.endsWith("test-classes" + File.separator))
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** Spring Boot's "Web server failed to start. Port N was already in use." in the output of the start that ended. */
    private boolean portTaken(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8).contains("Port " + port + " was already in use");
        } catch (IOException e) {
            return false;
        }
    }

    /** Another process took the port between choosing it and the JVM binding it. */
    private static final class PortTakenException extends Exception {
        private static final long serialVersionUID = 1L;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a port", e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
