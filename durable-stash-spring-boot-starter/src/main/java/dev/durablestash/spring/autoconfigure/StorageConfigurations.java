package dev.durablestash.spring.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.durablestash.spring.autoconfigure.DurableStashProperties.StorageType;
import dev.durablestash.storage.FileSystemStorageBackend;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;

/**
 * The storage backends, imported in order: the first that matches (and finds no
 * {@link StorageBackend} bean yet) wins. {@link Fallback} comes last: it makes the filesystem
 * backend, or fails with a message naming the missing module when the configured type's classes
 * are not on the classpath.
 */
final class StorageConfigurations {

    private StorageConfigurations() {
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnStorageType(StorageType.MEMORY)
    @ConditionalOnClass(name = "dev.durablestash.testing.InMemoryStorageBackend")
    static class Memory {

        @Bean
        @ConditionalOnMissingBean
        StorageBackend durableStashStorageBackend() {
            return new InMemoryStorageBackend();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Fallback {

        @Bean
        @ConditionalOnMissingBean
        StorageBackend durableStashStorageBackend(DurableStashProperties properties) {
            StorageType type = properties.getStorage().resolvedType();
            return switch (type) {
                case FILESYSTEM -> new FileSystemStorageBackend(properties.getStorage().getFilesystem().getDirectory());
                case MEMORY -> throw SettingsMapping.invalid("storage.type", "memory",
                        "the in-memory backend needs dev.durablestash:durable-stash-test-backend on the classpath");
                case S3 -> throw SettingsMapping.invalid(properties.getStorage().getType() != null ? "storage.type"
                        : "storage.s3.bucket", properties.getStorage().getType() != null ? "s3"
                        : properties.getStorage().getS3().getBucket(),
                        "S3 storage needs software.amazon.awssdk:s3 on the classpath");
            };
        }
    }
}
