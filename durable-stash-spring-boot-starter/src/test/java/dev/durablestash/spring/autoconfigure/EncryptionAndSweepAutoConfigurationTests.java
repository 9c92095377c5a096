package dev.durablestash.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import dev.durablestash.core.ExpirySweeper;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.core.ViewDefinition;
import dev.durablestash.spring.metrics.StashMetrics;
import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;
import dev.durablestash.testsupport.MutableClock;

/** The properties of at-rest encryption and of the filesystem storage's expiry sweeper. */
class EncryptionAndSweepAutoConfigurationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    static final String SECRET = "a-secret-of-at-least-thirty-two-bytes!!";
    static final ViewDefinition VIEW = ViewDefinition.builder("counter").key("count", int.class).build();

    @TempDir
    Path directory;

    final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DurableStashAutoConfiguration.class,
                    DurableStashServletAutoConfiguration.class));

    WebApplicationContextRunner inTempDirectory() {
        return contextRunner.withPropertyValues("durable-stash.storage.filesystem.directory=" + directory,
                "durable-stash.secret=" + SECRET);
    }

    @Test
    void encryptionIsOffByDefaultAndPlainDocumentsAreRefusedOnceItIsOn() {
        inTempDirectory().run((context) -> {
            StashSettings settings = context.getBean(StashSettings.class);
            assertThat(settings.encryptAtRest()).isFalse();
            assertThat(settings.acceptPlainDocuments()).isFalse();
        });
    }

    @Test
    void encryptionPropertiesReachTheEngineAndDocumentsAreStoredEncrypted() {
        inTempDirectory().withPropertyValues("durable-stash.encryption.enabled=true",
                "durable-stash.encryption.accept-plain-documents=true").run((context) -> {
                    StashSettings settings = context.getBean(StashSettings.class);
                    assertThat(settings.encryptAtRest()).isTrue();
                    assertThat(settings.acceptPlainDocuments()).isTrue();
                    FileSystemStorageBackend backend = context.getBean(FileSystemStorageBackend.class);
                    context.getBean(StashAdapter.class).stash(SessionIds.newSid(), VIEW, Map.of("count", 3))
                            .toCompletableFuture().get(30, TimeUnit.SECONDS);
                    String key = backend.listKeys("", null, 10).toCompletableFuture().get(30, TimeUnit.SECONDS).get(0);
                    GetResult found = backend.get(key, null).toCompletableFuture().get(30, TimeUnit.SECONDS);
                    assertThat(((GetResult.Found) found).body()[0]).isEqualTo((byte) 0xD5);
                });
    }

    @Test
    void theFilesystemStorageIsSweptByDefaultAndTheDeletionsAreAMeter() {
        inTempDirectory().run((context) -> {
            assertThat(context).hasSingleBean(ExpirySweeper.class);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(StashMetrics.class).bindTo(registry);
            assertThat(registry.get("durable.stash.documents.swept").functionCounter().count()).isZero();
        });
    }

    @Test
    void theSweeperRunsAtTheConfiguredIntervalAndDeletesExpiredDocuments() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
        inTempDirectory().withPropertyValues("durable-stash.ttl=1h", "durable-stash.storage.filesystem.sweep.interval=50ms",
                "durable-stash.storage.filesystem.sweep.max-files-per-run=5")
                .withBean(StashSettingsCustomizer.class, () -> (builder) -> builder.clock(clock))
                .run((context) -> {
                    FileSystemStorageBackend backend = context.getBean(FileSystemStorageBackend.class);
                    context.getBean(StashAdapter.class).stash(SessionIds.newSid(), VIEW, Map.of("count", 1))
                            .toCompletableFuture().get(30, TimeUnit.SECONDS);
                    clock.advance(Duration.ofHours(1));
                    ExpirySweeper sweeper = context.getBean(ExpirySweeper.class);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (sweeper.swept() == 0 && System.nanoTime() < deadline) {
                        Thread.sleep(10); // waits for the scheduled run; asserts no timing
                    }
                    assertThat(sweeper.swept()).isEqualTo(1);
                    assertThat(backend.listKeys("", null, 10).toCompletableFuture().get(30, TimeUnit.SECONDS)).isEmpty();
                });
    }

    /**
     * Under {@code spring.main.lazy-initialization} nothing asks for the sweeper (only the metrics do, when
     * bound): it is made at startup all the same, or expired documents would never be deleted.
     */
    @Test
    void theSweeperStartsWithTheContextUnderLazyInitialization() {
        inTempDirectory().withInitializer((context) -> context
                .addBeanFactoryPostProcessor(new LazyInitializationBeanFactoryPostProcessor())).run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBeanFactory().getBeanDefinition("durableStashMetrics").isLazyInit())
                            .as("lazy initialization is on").isTrue();
                    assertThat(context.getBeanFactory().containsSingleton("durableStashExpirySweeper"))
                            .as("the sweeper was made at startup").isTrue();
                });
    }

    @Test
    void theSweeperCanBeSwitchedOff() {
        inTempDirectory().withPropertyValues("durable-stash.storage.filesystem.sweep.enabled=false")
                .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(ExpirySweeper.class));
    }

    @Test
    void otherStorageIsNotSwept() {
        contextRunner.withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class))
                .withPropertyValues("durable-stash.storage.type=memory")
                .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(ExpirySweeper.class));
    }

    @Test
    void aSweepIntervalOrBatchBelowOneFailsStartupNamingTheProperty() {
        inTempDirectory().withPropertyValues("durable-stash.storage.filesystem.sweep.interval=0s").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .hasMessageContaining("durable-stash.storage.filesystem.sweep.interval");
        });
        inTempDirectory().withPropertyValues("durable-stash.storage.filesystem.sweep.max-files-per-run=0").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .hasMessageContaining("durable-stash.storage.filesystem.sweep.max-files-per-run");
        });
    }
}
