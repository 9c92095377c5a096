package dev.durablestash.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import ch.qos.logback.classic.Level;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import dev.durablestash.core.ExpirySweeper;
import dev.durablestash.spring.metrics.StashMetrics;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;
import dev.durablestash.testsupport.ExpectedLogs;
import dev.durablestash.testsupport.FileSystemPools;

/** The sweeper's starter properties and bean conditions. */
class SweepPropertiesTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    static final String SECRET = "a-secret-of-at-least-thirty-two-bytes!!";

    @TempDir
    Path directory;

    /** Built when a test runs, after the temporary directory was injected. */
    WebApplicationContextRunner contextRunner() {
        return new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DurableStashAutoConfiguration.class,
                        DurableStashServletAutoConfiguration.class))
                .withPropertyValues("durable-stash.storage.filesystem.directory=" + directory,
                        "durable-stash.secret=" + SECRET);
    }

    @Test
    void ioThreadsSizesTheFilesystemBackendsPool() {
        contextRunner().withPropertyValues("durable-stash.storage.filesystem.io-threads=3").run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(FileSystemPools.poolThreads(context.getBean(FileSystemStorageBackend.class))).isEqualTo(3);
        });
    }

    @Test
    void journalGivesTheFilesystemBackendAJournalAndSixtyFourThreads() {
        contextRunner().withPropertyValues("durable-stash.storage.filesystem.journal=true").run((context) -> {
            assertThat(context).hasNotFailed();
            FileSystemStorageBackend backend = context.getBean(FileSystemStorageBackend.class);
            assertThat(backend.hasJournal()).isTrue();
            assertThat(FileSystemPools.poolThreads(backend)).isEqualTo(Math.max(64, Runtime.getRuntime().availableProcessors()));
            contextRunner().withPropertyValues("durable-stash.storage.filesystem.journal=true").run((second) -> {
                assertThat(second).hasFailed();
                assertThat(second.getStartupFailure()).rootCause().hasMessageContaining("needs its directory to itself");
            });
        });
        contextRunner().withPropertyValues("durable-stash.storage.filesystem.journal=true",
                "durable-stash.storage.filesystem.io-threads=3").run((context) -> {
            assertThat(context).hasNotFailed();
            FileSystemStorageBackend backend = context.getBean(FileSystemStorageBackend.class);
            assertThat(backend.hasJournal()).isTrue();
            assertThat(FileSystemPools.poolThreads(backend)).isEqualTo(3);
        });
        contextRunner().run((context) -> assertThat(context.getBean(FileSystemStorageBackend.class).hasJournal()).isFalse());
    }

    @Test
    void ioThreadsBelowOneFailsStartupNamingTheProperty() {
        contextRunner().withPropertyValues("durable-stash.storage.filesystem.io-threads=0").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .hasMessageContaining("durable-stash.storage.filesystem.io-threads")
                    .hasMessageContaining("must be at least 1");
        });
    }

    /**
     * A directory that cannot be used (here under a regular file) fails startup naming the property, as other
     * invalid values do. Seen failing before (from a review): an UnsatisfiedDependencyException chain whose root
     * was the backend's StorageException, and no failure report naming the property.
     */
    @Test
    void aDirectoryThatCannotBeUsedFailsStartupNamingTheProperty() throws Exception {
        Path file = Files.writeString(directory.resolve("a-file"), "not a directory");
        contextRunner().withPropertyValues("durable-stash.storage.filesystem.directory=" + file.resolve("sessions"))
                .run((context) -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                            .hasMessageContaining("durable-stash.storage.filesystem.directory")
                            .hasMessageContaining("Cannot use directory " + file.resolve("sessions"));
                });
    }

    @Test
    void aSweepIntervalBelowOneMillisecondFailsStartupNamingTheProperty() {
        contextRunner().withPropertyValues("durable-stash.storage.filesystem.sweep.interval=500us").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .hasMessageContaining("durable-stash.storage.filesystem.sweep.interval");
        });
    }

    @Test
    void anApplicationsOwnFileSystemBackendDeclaredAsStorageBackendIsSwept() {
        contextRunner().withBean(StorageBackend.class, () -> new FileSystemStorageBackend(directory.resolve("own")))
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(StorageBackend.class)).isInstanceOf(FileSystemStorageBackend.class);
                    assertThat(context).hasSingleBean(ExpirySweeper.class);
                });
    }

    @Test
    void aBareNumberForTheSweepIntervalMeansSecondsLikeTheOperationTimeout() {
        contextRunner().withPropertyValues("durable-stash.storage.filesystem.sweep.interval=2").run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(DurableStashProperties.class).getStorage().getFilesystem().getSweep().getInterval())
                    .isEqualTo(Duration.ofSeconds(2));
        });
    }

    @Test
    void anApplicationsBackendThatIsNotAFilesystemOneGetsNoSweeperAndTheMetricsStillBind() {
        contextRunner().withBean(StorageBackend.class, DurableStashAutoConfigurationTests.RenamedBackend::new)
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBeanProvider(ExpirySweeper.class).getIfAvailable()).isNull();
                    SimpleMeterRegistry registry = new SimpleMeterRegistry();
                    context.getBean(StashMetrics.class).bindTo(registry);
                    assertThat(registry.find("durable.stash.documents.swept").functionCounter()).isNull();
                });
    }
}
