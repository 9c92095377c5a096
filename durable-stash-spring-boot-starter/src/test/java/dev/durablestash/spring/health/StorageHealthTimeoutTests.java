package dev.durablestash.spring.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.durablestash.storage.filesystem.FileSystemStorageBackend;

/**
 * A timeout the configuration accepts but no wait of the JDK or Reactor can take (past about 292 years in
 * nanoseconds): both indicators threw {@code ArithmeticException} (seen failing before the timeout was capped),
 * where a health check always answers with a {@link Health}.
 */
class StorageHealthTimeoutTests {

    /** 1000 years: a positive timeout the configuration accepts ("365000d"), as "no timeout in practice". */
    static final Duration HUGE = Duration.ofDays(365L * 1000);

    @TempDir
    Path root;

    @Test
    void theBlockingIndicatorAnswersWithAHugeTimeout() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (FileSystemStorageBackend storage = new FileSystemStorageBackend(root, pool)) {
            StorageHealthIndicator indicator = new StorageHealthIndicator(new StorageHealth(storage, "stash/", HUGE));
            Health health = indicator.health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theReactiveIndicatorAnswersWithAHugeTimeout() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (FileSystemStorageBackend storage = new FileSystemStorageBackend(root, pool)) {
            StorageReactiveHealthIndicator indicator = new StorageReactiveHealthIndicator(
                    new StorageHealth(storage, "stash/", HUGE));
            Health health = indicator.health().block(Duration.ofSeconds(10));
            assertThat(health.getStatus()).isEqualTo(Status.UP);
        } finally {
            pool.shutdownNow();
        }
    }
}
