package dev.durablestash.spring.autoconfigure;

import java.time.Duration;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

import dev.durablestash.spring.autoconfigure.DurableStashProperties.StorageType;
import dev.durablestash.storage.FileSystemStorageBackend;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.s3.S3StorageBackend;

import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * The storage backends, imported in order: the first that matches (and finds no
 * {@link StorageBackend} bean yet) wins. {@link Fallback} comes last: it makes the filesystem
 * backend, or fails with a message naming the missing module when the configured type's classes
 * are not on the classpath. The in-memory backend is not here: {@code durable-stash-test-backend}
 * brings its own auto-configuration, which runs before this one and defines the backend when no
 * other storage is configured.
 */
final class StorageConfigurations {

    private StorageConfigurations() {
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnStorageType(StorageType.S3)
    @ConditionalOnClass(S3AsyncClient.class)
    static class S3 {

        private static final Logger log = LoggerFactory.getLogger(S3.class);

        /**
         * Reuses the application's {@link S3AsyncClient} bean when there is exactly one (the
         * endpoint, region and path-style properties are then ignored: configure that client);
         * otherwise the backend builds and owns its own client from the properties, with
         * credentials from the AWS default provider chain, and with timeouts below
         * {@code durable-stash.operation-timeout} (see {@link #apiCallTimeout(Duration)}).
         */
        @Bean
        @ConditionalOnMissingBean
        StorageBackend durableStashStorageBackend(DurableStashProperties properties,
                ObjectProvider<S3AsyncClient> clients) {
            DurableStashProperties.S3 s3 = properties.getStorage().getS3();
            String bucket = s3.getBucket();
            if (!StringUtils.hasText(bucket)) {
                throw SettingsMapping.invalid("storage.s3.bucket", bucket,
                        "a bucket is required when durable-stash.storage.type is s3");
            }
            S3StorageBackend.Builder builder = S3StorageBackend.builder();
            try {
                builder.bucket(bucket);
            } catch (IllegalArgumentException e) {
                throw SettingsMapping.invalid("storage.s3.bucket", bucket, String.valueOf(e.getMessage()));
            }
            builder.conditionalDeletes(s3.getConditionalDeletes())
                    .ifMatchForm(s3.getIfMatchForm())
                    .requestChecksums(s3.getRequestChecksums());
            Duration operationTimeout = SettingsMapping.operationTimeout(properties);
            S3AsyncClient client = clients.getIfUnique();
            if (client != null) {
                if (s3.getEndpoint() != null || s3.getRegion() != null || s3.isPathStyleAccess()) {
                    log.warn("DurableStash uses the application's S3AsyncClient bean: durable-stash.storage.s3."
                            + "endpoint, .region and .path-style-access are ignored (configure that client instead)");
                }
                warnUnlessCallsTimeOutBefore(client, operationTimeout);
                return builder.client(client).build();
            }
            builder.apiCallTimeout(apiCallTimeout(operationTimeout))
                    .apiCallAttemptTimeout(apiCallAttemptTimeout(operationTimeout));
            PropertyMapper map = PropertyMapper.get();
            map.from(s3::getEndpoint).to(builder::endpointOverride);
            String region = s3.getRegion();
            if (region != null) {
                try {
                    builder.region(region);
                } catch (IllegalArgumentException e) {
                    throw SettingsMapping.invalid("storage.s3.region", region, String.valueOf(e.getMessage()));
                }
            }
            if (s3.isPathStyleAccess()) {
                builder.pathStyleAccess(true);
            }
            return builder.build();
        }

        /** Checks the store's compare-and-swap once every singleton exists, before the app serves requests. */
        @Bean
        static S3StoreCheckRunner durableStashS3StoreCheck(ObjectProvider<DurableStashProperties> properties,
                ObjectProvider<StorageBackend> backend) {
            return new S3StoreCheckRunner(properties, backend);
        }

        /**
         * The whole S3 call, retries of reads included, gets half the operation's deadline: a call
         * that stalls fails with its own error before the engine gives up on the operation.
         */
        static Duration apiCallTimeout(Duration operationTimeout) {
            return atLeastOneMillisecond(operationTimeout.dividedBy(2));
        }

        /**
         * One attempt gets a quarter: a read that stalls is retried once within the call, and a write
         * that stalls (never retried by the SDK) leaves time for the HEAD that finds out whether it was
         * applied, all within the deadline.
         */
        static Duration apiCallAttemptTimeout(Duration operationTimeout) {
            return atLeastOneMillisecond(operationTimeout.dividedBy(4));
        }

        private static Duration atLeastOneMillisecond(Duration duration) {
            return duration.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : duration;
        }

        private static void warnUnlessCallsTimeOutBefore(S3AsyncClient client, Duration operationTimeout) {
            Optional<Duration> callTimeout;
            try {
                callTimeout = client.serviceClientConfiguration().overrideConfiguration().apiCallTimeout();
            } catch (UnsupportedOperationException e) {
                return; // a client that does not tell (a stub): nothing to check
            }
            if (callTimeout.isEmpty() || callTimeout.get().compareTo(operationTimeout) >= 0) {
                log.warn("The application's S3AsyncClient has no API call timeout below durable-stash.operation-timeout "
                        + "({}): a stalled S3 call then fails only at the engine's deadline, as a lost answer. Set "
                        + "apiCallTimeout and apiCallAttemptTimeout on that client's override configuration",
                        operationTimeout);
            }
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
                        "the in-memory backend comes with dev.durablestash:durable-stash-test-backend (its "
                                + "auto-configuration provides it): add that module to the classpath, for tests");
                case S3 -> throw SettingsMapping.invalid(properties.getStorage().getType() != null ? "storage.type"
                        : "storage.s3.bucket", properties.getStorage().getType() != null ? "s3"
                        : properties.getStorage().getS3().getBucket(),
                        "S3 storage needs software.amazon.awssdk:s3 on the classpath");
            };
        }
    }
}
