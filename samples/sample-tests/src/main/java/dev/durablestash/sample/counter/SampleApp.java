package dev.durablestash.sample.counter;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.slf4j.bridge.SLF4JBridgeHandler;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A sample app (the Spring MVC or the WebFlux one: its application class), started in-process on a
 * loopback port, by default over a filesystem storage directory. {@link #restart()} closes the
 * application context and starts a new one with the same storage and the same port, so a browser
 * page that is still open talks to the new instance: that is what a redeploy looks like to the page.
 * Not thread-safe: one test class drives it.
 *
 * <p>Spring Boot's logging system is switched off for these apps: the tests' {@code logback-test.xml}
 * stays in force across starts, and a test's {@code ExpectedLogs} capture is not reset by a restart.
 * What Boot would do besides, routing {@code java.util.logging} (Tomcat's) to SLF4J, is done here.
 */
final class SampleApp implements AutoCloseable {

    static {
        System.setProperty(LoggingSystem.SYSTEM_PROPERTY, LoggingSystem.NONE);
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }

    private final Class<?> application;
    private final List<String> storageProperties;
    private int port;
    private @Nullable ConfigurableApplicationContext context;

    private SampleApp(Class<?> application, List<String> storageProperties) {
        this.application = application;
        this.storageProperties = List.copyOf(storageProperties);
    }

    /**
     * @param testClass a test class annotated {@link SampleUnderTest}, or a subclass of one
     * @return the application class it names
     * @throws IllegalStateException if it names none
     */
    static Class<?> applicationOf(Class<?> testClass) {
        for (Class<?> type = testClass; type != null; type = type.getSuperclass()) {
            SampleUnderTest sample = type.getAnnotation(SampleUnderTest.class);
            if (sample != null) {
                return sample.value();
            }
        }
        throw new IllegalStateException(testClass.getName() + " runs a shared sample suite but names no app: annotate it "
                + "@SampleUnderTest(TheApplication.class)");
    }

    /** Starts {@code application} on a free port, keeping its state under {@code storageDirectory}. */
    static SampleApp start(Class<?> application, Path storageDirectory) {
        return startWith(application, List.of("durable-stash.storage.type=filesystem",
                "durable-stash.storage.filesystem.directory=" + storageDirectory));
    }

    /**
     * Starts {@code application} on a free port with other storage settings.
     *
     * @param application the sample's {@code @SpringBootApplication} class
     * @param storageProperties {@code name=value} pairs, e.g. {@code durable-stash.storage.type=s3}
     *     and the bucket, endpoint and secret
     */
    static SampleApp startWith(Class<?> application, List<String> storageProperties) {
        SampleApp app = new SampleApp(application, storageProperties);
        app.startContext();
        return app;
    }

    /**
     * Stops the app and starts it again on the same port and storage settings. Should another
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
        List<String> properties = new ArrayList<>(List.of(
                "server.address=127.0.0.1",
                "server.port=" + port, // 0 the first time: a free port, then kept
                "spring.main.banner-mode=off"));
        properties.addAll(storageProperties);
        // As command-line arguments: they take precedence over the sample's application.properties
        // (default properties would not, so its storage settings would win).
        ConfigurableApplicationContext started = new SpringApplicationBuilder(application)
                .run(properties.stream().map(property -> "--" + property).toArray(String[]::new));
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
