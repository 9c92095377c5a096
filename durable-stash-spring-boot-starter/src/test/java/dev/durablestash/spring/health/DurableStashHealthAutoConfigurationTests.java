package dev.durablestash.spring.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * The storage health indicator's auto-configuration, on real backends: the filesystem one in a temporary
 * directory, and the in-memory one of the test backend (for failures and latency it can inject).
 */
class DurableStashHealthAutoConfigurationTests {

    /** The failed startup's context warning is expected. */
    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private static final AutoConfigurations CONFIGURATIONS = AutoConfigurations.of(DurableStashAutoConfiguration.class,
            DurableStashHealthAutoConfiguration.class, HealthContributorRegistryAutoConfiguration.class);

    @TempDir
    Path directory;

    private ApplicationContextRunner contextRunner() {
        return new ApplicationContextRunner().withConfiguration(CONFIGURATIONS)
                .withPropertyValues("durable-stash.storage.filesystem.directory=" + directory.resolve("store"));
    }

    @Test
    void withSpringBootHealthTheFilesystemStorageIsUpUnderTheNameDurableStash() {
        contextRunner().run((context) -> {
            assertThat(context).hasNotFailed().hasSingleBean(StorageHealthIndicator.class)
                    .doesNotHaveBean(StorageReactiveHealthIndicator.class);
            Health health = context.getBean(StorageHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsOnlyKeys("storage")
                    .containsEntry("storage", "filesystem:" + directory.resolve("store").toRealPath());
            assertThat(context.getBean(HealthContributorRegistry.class).getContributor("durableStash"))
                    .isSameAs(context.getBean(DurableStashHealthAutoConfiguration.INDICATOR_BEAN_NAME));
        });
    }

    @Test
    void withoutSpringBootHealthThereIsNoIndicatorAndTheEngineStillStarts() {
        contextRunner().withClassLoader(new FilteredClassLoader(HealthIndicator.class)).run((context) -> {
            assertThat(context).hasNotFailed().hasSingleBean(StashAdapter.class)
                    .doesNotHaveBean(DurableStashHealthAutoConfiguration.class)
                    .doesNotHaveBean(DurableStashHealthAutoConfiguration.INDICATOR_BEAN_NAME);
        });
    }

    @Test
    void theIndicatorIsSwitchedOffByItsEnabledPropertyAndByTheHealthDefaults() {
        contextRunner().withPropertyValues("management.health.durable-stash.enabled=false").run((context) ->
                assertThat(context).hasNotFailed().hasSingleBean(StashAdapter.class)
                        .doesNotHaveBean(DurableStashHealthAutoConfiguration.INDICATOR_BEAN_NAME));
        contextRunner().withPropertyValues("management.health.defaults.enabled=false").run((context) ->
                assertThat(context).doesNotHaveBean(DurableStashHealthAutoConfiguration.INDICATOR_BEAN_NAME));
        contextRunner().withPropertyValues("management.health.defaults.enabled=false",
                "management.health.durable-stash.enabled=true").run((context) ->
                assertThat(context).hasSingleBean(StorageHealthIndicator.class));
    }

    @Test
    void theIndicatorBacksOffWhenTheApplicationDefinesOneOfTheSameName() {
        HealthIndicator own = () -> Health.outOfService().build();
        contextRunner().withBean(DurableStashHealthAutoConfiguration.INDICATOR_BEAN_NAME, HealthIndicator.class,
                () -> own).run((context) -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(StorageHealthIndicator.class);
                    assertThat(context.getBean(DurableStashHealthAutoConfiguration.INDICATOR_BEAN_NAME)).isSameAs(own);
                });
    }

    @Test
    void aReactiveWebApplicationGetsTheReactiveIndicator() {
        new ReactiveWebApplicationContextRunner().withConfiguration(CONFIGURATIONS)
                .withPropertyValues("durable-stash.storage.filesystem.directory=" + directory.resolve("store"))
                .run((context) -> {
                    assertThat(context).hasNotFailed().hasSingleBean(StorageReactiveHealthIndicator.class)
                            .doesNotHaveBean(StorageHealthIndicator.class);
                    ReactiveHealthIndicator indicator = context.getBean(StorageReactiveHealthIndicator.class);
                    Health health = indicator.health().block(Duration.ofSeconds(10));
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                });
    }

    @Test
    void theReactiveIndicatorIsDownWhenTheTimeoutEndsAndUpOnceTheStoreAnswersAgain() {
        InMemoryStorageBackend storage = new InMemoryStorageBackend();
        new ReactiveWebApplicationContextRunner().withConfiguration(CONFIGURATIONS)
                .withBean(InMemoryStorageBackend.class, () -> storage)
                .withPropertyValues("management.health.durable-stash.timeout=300ms").run((context) -> {
                    ReactiveHealthIndicator indicator = context.getBean(StorageReactiveHealthIndicator.class);
                    storage.setLatency(Operation.GET, Duration.ofSeconds(30));
                    Health down = indicator.health().block(Duration.ofSeconds(10));
                    assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(down.getDetails()).containsEntry("error", "no answer within 300ms");

                    storage.setLatency(Operation.GET, Duration.ZERO);
                    assertThat(indicator.health().block(Duration.ofSeconds(10)).getStatus()).isEqualTo(Status.UP);
                });
    }

    /** Tests may run as root, whom permissions do not stop: a regular file in the directory's place does. */
    @Test
    void theFilesystemIsDownWhileItsDirectoryIsAFileAndUpAgainOnceTheDirectoryIsBack() {
        Path store = directory.resolve("store");
        contextRunner().run((context) -> {
            HealthIndicator indicator = context.getBean(StorageHealthIndicator.class);
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

            deleteRecursively(store);
            Files.writeString(store, "not a directory");
            Health down = indicator.health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails().get("error")).asString().contains("the root is no longer a directory");

            Files.delete(store);
            Files.createDirectory(store);
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void aStoreThatFailsIsDownWithTheReasonAndUpAtTheNextCheck() {
        InMemoryStorageBackend storage = new InMemoryStorageBackend();
        contextRunner().withBean(InMemoryStorageBackend.class, () -> storage).run((context) -> {
            HealthIndicator indicator = context.getBean(StorageHealthIndicator.class);
            storage.failNext(Operation.GET, 1);
            Health down = indicator.health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails()).containsEntry("storage", storage.describe()).containsKey("error");
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
            assertThat(storage.keys()).as("objects left by the checks").isEmpty();
        });
    }

    @Test
    void aStoreThatDoesNotAnswerInTimeIsDownWhenTheTimeoutEnds() {
        InMemoryStorageBackend storage = new InMemoryStorageBackend();
        contextRunner().withBean(InMemoryStorageBackend.class, () -> storage)
                .withPropertyValues("management.health.durable-stash.timeout=300ms").run((context) -> {
                    storage.setLatency(Operation.GET, Duration.ofSeconds(30));
                    long start = System.nanoTime();
                    Health health = context.getBean(StorageHealthIndicator.class).health();
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(health.getDetails()).containsEntry("error", "no answer within 300ms");
                    assertThat(took).isLessThan(Duration.ofSeconds(5));
                    storage.setLatency(Operation.GET, Duration.ZERO);
                });
    }

    @Test
    void aTimeoutThatIsNotPositiveFailsStartupNamingTheProperty() {
        contextRunner().withPropertyValues("management.health.durable-stash.timeout=0s").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .hasMessageContaining("management.health.durable-stash.timeout");
        });
    }

    /** Under {@code spring.main.lazy-initialization} too: not at the first health check, a probe's. */
    @Test
    void aTimeoutThatIsNotPositiveFailsStartupUnderLazyInitializationToo() {
        contextRunner().withPropertyValues("management.health.durable-stash.timeout=0s")
                .withInitializer((context) -> context
                        .addBeanFactoryPostProcessor(new LazyInitializationBeanFactoryPostProcessor()))
                .run((context) -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                            .hasMessageContaining("management.health.durable-stash.timeout");
                });
    }

    private static void deleteRecursively(Path path) throws Exception {
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path each : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        }
    }
}
