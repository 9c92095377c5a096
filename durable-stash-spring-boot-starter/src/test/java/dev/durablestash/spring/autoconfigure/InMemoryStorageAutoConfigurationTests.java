package dev.durablestash.spring.autoconfigure;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.RecoveryStatus;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.ViewDefinition;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfigurationTests.S3ClientConfiguration;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;
import dev.durablestash.storage.s3.S3StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter's auto-configuration together with durable-stash-test-backend's, as in the tests of an
 * application that has the test backend on its test classpath.
 */
class InMemoryStorageAutoConfigurationTests {

    private static final String SECRET = "a-secret-of-at-least-thirty-two-bytes!!";

    private static final ViewDefinition COUNTER = ViewDefinition.builder("counter").key("count", int.class).build();

    @TempDir
    Path directory;

    // Listed starter first: the order comes from the classes' before/after, not from this list.
    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DurableStashAutoConfiguration.class,
                    DurableStashServletAutoConfiguration.class, InMemoryStorageAutoConfiguration.class));

    @Test
    void withNoStorageConfiguredTheInMemoryBackendIsUsedAndNothingIsWritten() {
        Path store = directory.resolve("store");
        contextRunner.withPropertyValues("durable-stash.storage.filesystem.directory=" + store).run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context).getBean(StorageBackend.class).isInstanceOf(InMemoryStorageBackend.class);
            StashAdapter adapter = context.getBean(StashAdapter.class);
            String sid = SessionIds.newSid();
            adapter.stash(sid, COUNTER, Map.of("count", 3)).toCompletableFuture().join();
            assertThat(adapter.recover(sid, COUNTER, MountKind.FRESH).toCompletableFuture().join().<Integer>get("count"))
                    .isEqualTo(3);
            assertThat(context.getBean(InMemoryStorageBackend.class).size()).isEqualTo(1);
        });
        assertThat(store).as("no filesystem store, no generated secret file").doesNotExist();
    }

    @Test
    void memoryStorageTypeSelectsTheInMemoryBackendExplicitly() {
        contextRunner.withPropertyValues("durable-stash.storage.type=memory").run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context).getBean(StorageBackend.class).isInstanceOf(InMemoryStorageBackend.class);
        });
        contextRunner.withPropertyValues("durable-stash.storage.type=MEMORY").run((context) -> assertThat(context)
                .getBean(StorageBackend.class).isInstanceOf(InMemoryStorageBackend.class));
    }

    @Test
    void anExplicitFilesystemTypeStillGetsTheFilesystemBackend() {
        contextRunner.withPropertyValues("durable-stash.storage.type=filesystem",
                "durable-stash.storage.filesystem.directory=" + directory).run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).getBean(StorageBackend.class).isInstanceOf(FileSystemStorageBackend.class);
                    assertThat(context).doesNotHaveBean(InMemoryStorageBackend.class);
                });
        assertThat(directory.resolve(GeneratedSecret.FILE_NAME)).isRegularFile();
    }

    @Test
    void aBucketOrAnExplicitS3TypeStillGetsS3() {
        contextRunner.withUserConfiguration(S3ClientConfiguration.class)
                .withPropertyValues("durable-stash.storage.s3.bucket=stash-bucket", "durable-stash.storage.s3.store-check=off", "durable-stash.secret=" + SECRET)
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).getBean(StorageBackend.class).isInstanceOf(S3StorageBackend.class);
                });
        contextRunner.withUserConfiguration(S3ClientConfiguration.class)
                .withPropertyValues("durable-stash.storage.type=s3", "durable-stash.storage.s3.bucket=stash-bucket", "durable-stash.storage.s3.store-check=off",
                        "durable-stash.secret=" + SECRET)
                .run((context) -> assertThat(context).getBean(StorageBackend.class).isInstanceOf(S3StorageBackend.class));
    }

    @Test
    void theApplicationsOwnBackendWins() {
        FileSystemStorageBackend own = new FileSystemStorageBackend(directory);
        contextRunner.withBean(StorageBackend.class, () -> own).run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context).getBean(StorageBackend.class).isSameAs(own);
        });
    }

    @Test
    void aConfiguredSecretIsAcceptedWithTheInMemoryBackend() {
        contextRunner.withPropertyValues("durable-stash.secret=" + SECRET).run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context).getBean(StorageBackend.class).isInstanceOf(InMemoryStorageBackend.class);
            assertThat(context.getBean(StashAdapter.class).recover(SessionIds.newSid(), COUNTER, MountKind.FRESH)
                    .toCompletableFuture().join().status()).isEqualTo(RecoveryStatus.NOT_FOUND);
        });
    }
}
