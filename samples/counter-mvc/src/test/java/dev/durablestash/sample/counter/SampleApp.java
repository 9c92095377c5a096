package dev.durablestash.sample.counter;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The sample app, started in-process on a loopback port over a filesystem storage directory.
 * {@link #restart()} closes the application context and starts a new one on the same directory
 * and the same port, so a browser page that is still open talks to the new instance: that is what
 * a redeploy looks like to the page. Not thread-safe: one test class drives it.
 */
final class SampleApp implements AutoCloseable {

    private final Path storageDirectory;
    private int port;
    private @Nullable ConfigurableApplicationContext context;

    private SampleApp(Path storageDirectory) {
        this.storageDirectory = storageDirectory;
    }

    /** Starts the app on a free port, keeping its state under {@code storageDirectory}. */
    static SampleApp start(Path storageDirectory) {
        SampleApp app = new SampleApp(storageDirectory);
        app.startContext();
        return app;
    }

    /**
     * Stops the app and starts it again on the same port and storage directory. Should another
     * process take the port in between, starting is retried for a few seconds.
     */
    void restart() {
        stop();
        for (int attempt = 1; ; attempt++) {
            try {
                startContext();
                return;
            } catch (RuntimeException e) {
                if (attempt == 25 || !portInUse(e)) {
                    throw e;
                }
                pause(Duration.ofMillis(200));
            }
        }
    }

    /** @return the absolute URI of {@code pathAndQuery} on the running app */
    URI uri(String pathAndQuery) {
        return URI.create(baseUrl() + pathAndQuery);
    }

    /** @return {@code http://127.0.0.1:PORT}, without a trailing slash */
    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        stop();
    }

    private void startContext() {
        ConfigurableApplicationContext started = new SpringApplicationBuilder(CounterMvcApplication.class)
                .properties(
                        "server.address=127.0.0.1",
                        "server.port=" + port, // 0 the first time: a free port, then kept
                        "spring.main.banner-mode=off",
                        "durable-stash.storage.type=filesystem",
                        "durable-stash.storage.filesystem.directory=" + storageDirectory)
                .run();
        context = started;
        port = Integer.parseInt(Objects.requireNonNull(
                started.getEnvironment().getProperty("local.server.port"), "local.server.port"));
    }

    private static boolean portInUse(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof PortInUseException) {
                return true;
            }
        }
        return false;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the port", e);
        }
    }

    private void stop() {
        ConfigurableApplicationContext running = context;
        context = null;
        if (running != null) {
            running.close();
        }
    }
}
