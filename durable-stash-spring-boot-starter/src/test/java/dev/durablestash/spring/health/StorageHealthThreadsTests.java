package dev.durablestash.spring.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;
import org.springframework.util.FileSystemUtils;

import dev.durablestash.storage.filesystem.FileSystemStorageBackend;
import dev.durablestash.testsupport.UndeployCheck;

/**
 * A health check leaves no thread behind that keeps a stopped application in memory: its timeout was
 * {@code CompletableFuture.completeOnTimeout}, whose JDK delay thread the first one of the JVM starts with the
 * caller's context class loader and which never ends.
 */
class StorageHealthThreadsTests {

    @Test
    void aHealthCheckLeavesNoThreadHoldingTheApplicationsLoader() throws Exception {
        UndeployCheck.assertNoThreadKeepsTheLoader(HealthChecks.class);
    }

    /** Run by the test above in a JVM of its own: two checks of a store that answers on its own pool. */
    static final class HealthChecks {
        public static void main(String[] args) throws Exception {
            UndeployCheck.exitAfter(() -> {
                ExecutorService pool = Executors.newFixedThreadPool(2);
                Path root = Files.createTempDirectory("health");
                try (FileSystemStorageBackend storage = new FileSystemStorageBackend(root, pool)) {
                    StorageHealthIndicator indicator = new StorageHealthIndicator(
                            new StorageHealth(storage, "stash/", Duration.ofSeconds(10)));
                    for (int i = 0; i < 2; i++) {
                        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
                    }
                }
                pool.shutdown();
                assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
                FileSystemUtils.deleteRecursively(root);
            });
        }
    }
}
