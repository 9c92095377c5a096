package dev.durablestash.benchmarks.http;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.durablestash.benchmarks.ThreadTicks;

/**
 * One counter app, run in a JVM of its own (same heap limit for every app) on a free loopback port.
 * The names the driver knows: {@code stash-memory}, {@code stash-memory-argument} (the count in a view
 * argument instead of the controller's field), {@code stash-fs}, {@code stash-fs-journal} (the filesystem
 * storage with its journal), {@code map}, {@code redis:PORT},
 * {@code sample:JAR} (the MVC sample's executable jar, filesystem storage).
 */
final class App implements AutoCloseable {

    private static final String PACKAGE = "dev.durablestash.benchmarks.http.";

    final String name;
    final URI base;
    private final Process process;

    private App(String name, int port, Process process) {
        this.name = name;
        this.base = URI.create("http://127.0.0.1:" + port);
        this.process = process;
    }

    static App start(String spec, Path workDir) throws IOException {
        int port = freePort();
        String name = spec.contains(":") ? spec.substring(0, spec.indexOf(':')) : spec;
        String argument = spec.contains(":") ? spec.substring(spec.indexOf(':') + 1) : "";
        Path dataDir = Files.createTempDirectory(workDir, name + "-");
        // Every app runs with the same profiling recording (a JFR "profile" recording costs a few percent)
        // without its leak profiler (OldObjectSample), which records a stack trace with sampled allocations:
        // it took about 8% of the request threads' CPU of the DurableStash app (perf), more than of apps that
        // allocate less, so it would have weighed on the comparison.
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx256m", "-Xlog:jfr+startup=warning",
                "-XX:StartFlightRecording=settings=" + System.getProperty("bench.jfr.settings", "profile")
                        + ",jdk.OldObjectSample#enabled=false,dumponexit=true,filename="
                        + workDir.toAbsolutePath().resolve(name + ".jfr")));
        switch (name) {
            case "stash-memory" -> command.addAll(List.of("-cp", classPath(), PACKAGE + "stash.StashCounterApplication",
                    "--durable-stash.storage.type=memory"));
            case "stash-memory-argument" -> command.addAll(List.of("-cp", classPath(),
                    PACKAGE + "argument.ArgumentCounterApplication", "--durable-stash.storage.type=memory"));
            case "stash-fs" -> command.addAll(List.of("-cp", classPath(), PACKAGE + "stash.StashCounterApplication",
                    "--durable-stash.storage.type=filesystem",
                    "--durable-stash.storage.filesystem.directory=" + dataDir));
            case "stash-fs-journal" -> command.addAll(List.of("-cp", classPath(), PACKAGE + "stash.StashCounterApplication",
                    "--durable-stash.storage.type=filesystem",
                    "--durable-stash.storage.filesystem.directory=" + dataDir,
                    "--durable-stash.storage.filesystem.journal=true"));
            case "map" -> command.addAll(List.of("-cp", classPath(), PACKAGE + "map.MapSessionCounterApplication"));
            case "redis" -> command.addAll(List.of("-cp", classPath(), PACKAGE + "redis.RedisSessionCounterApplication",
                    "--bench.redis.port=" + argument));
            case "sample" -> command.addAll(List.of("-jar", argument,
                    "--durable-stash.storage.filesystem.directory=" + dataDir));
            default -> throw new IllegalArgumentException("unknown app " + spec);
        }
        command.addAll(List.of("--server.port=" + port, "--server.address=127.0.0.1", "--spring.main.banner-mode=off",
                "--logging.level.root=WARN"));
        Process process = new ProcessBuilder(command)
                .directory(dataDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve(name + ".log").toFile())
                .start();
        return new App(name, port, process);
    }

    /** @return the app's name as part of a figure's name ({@code stash_memory}) */
    String figureName() {
        return name.replace('-', '_');
    }

    /** Waits until the app answers HTTP at all. */
    void awaitReady(HttpClient client, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ", see its log");
            }
            try {
                client.send(HttpRequest.newBuilder(base.resolve("/ready")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding());
                return;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException(name + " did not answer within " + timeout);
    }

    /** @return CPU time the app's process has used so far, in nanoseconds */
    long cpuNanos() {
        return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    /** @return the CPU time each of the app's threads used so far ({@link ThreadTicks}) */
    ThreadTicks cpuTicks() {
        return ThreadTicks.sample(process.pid());
    }

    /** Stops the app (SIGTERM, so its recording is written), forcibly after 20 seconds. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String javaExecutable() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    /** @return this JVM's class path with absolute entries (the apps run in directories of their own) */
    private static String classPath() {
        StringBuilder absolute = new StringBuilder();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            absolute.append(absolute.length() == 0 ? "" : File.pathSeparator).append(Path.of(entry).toAbsolutePath());
        }
        return absolute.toString();
    }
}
