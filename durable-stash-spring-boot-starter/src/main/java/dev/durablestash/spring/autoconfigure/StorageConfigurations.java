package dev.durablestash.spring.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

import dev.durablestash.core.ExpirySweeper;
import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.autoconfigure.DurableStashProperties.StorageType;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;
import dev.durablestash.storage.s3.S3StorageBackend;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;

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

    /**
     * S3 storage on an {@link S3AsyncClient}: the application's bean when it has one, otherwise one the
     * starter builds from {@code durable-stash.storage.s3.*} (see {@link S3ClientBuilders}) and then hands
     * to every {@link DurableStashS3ClientCustomizer} bean, in order, as Spring Cloud AWS does with its
     * {@code S3ClientCustomizer}s; from the same builder, a second client for the backend's writes, with no
     * retries (see {@link OwnS3Clients}). Whoever defines the client bean owns it: Spring closes it with the
     * context; the backend never does.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnStorageType(StorageType.S3)
    @ConditionalOnClass(S3AsyncClient.class)
    static class S3 {

        private static final Logger log = LoggerFactory.getLogger(S3.class);

        static final String OWN_CLIENT = "durableStashS3Client";

        /**
         * The starter's two clients, each from a builder of the properties and the customizers (so each
         * customizer is applied twice, once per builder: an SDK builder cannot be built twice), the
         * second one then with no retries and plain bodies. Closes both. (Its type is package-private:
         * nothing outside the starter can ask for it.)
         */
        @Bean
        @ConditionalOnMissingBean(S3AsyncClient.class)
        OwnS3Clients durableStashS3Clients(DurableStashProperties properties,
                ObjectProvider<DurableStashS3ClientCustomizer> customizers) {
            S3AsyncClient reads = build(customized(properties, customizers));
            try {
                return new OwnS3Clients(reads, build(S3ClientBuilders.forWrites(customized(properties, customizers),
                        properties.getStorage().getS3().getRequestChecksums())));
            } catch (RuntimeException e) {
                reads.close();
                throw e;
            }
        }

        /** Builds a client; the SDK's failure to find a region names the property that sets one. */
        private static S3AsyncClient build(S3AsyncClientBuilder builder) {
            try {
                return builder.build();
            } catch (SdkClientException e) {
                String message = e.getMessage();
                if (message != null && message.contains("Unable to load region")) {
                    throw new InvalidConfigurationPropertyValueException("durable-stash.storage.s3.region", null,
                            "no region for the S3 client: set durable-stash.storage.s3.region (or AWS_REGION, the aws.region "
                                    + "system property or an AWS profile's region), or durable-stash.storage.s3.endpoint for "
                                    + "an S3-compatible store (us-east-1 then). The AWS SDK said: " + message);
                }
                throw e;
            }
        }

        private static S3AsyncClientBuilder customized(DurableStashProperties properties,
                ObjectProvider<DurableStashS3ClientCustomizer> customizers) {
            S3AsyncClientBuilder builder = S3ClientBuilders.fromProperties(properties);
            customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
            return S3ClientBuilders.withRevalidationInterceptor(builder);
        }

        /**
         * The client DurableStash uses, unless the application has an {@link S3AsyncClient} bean. Not a
         * default candidate: it is never injected by type into the application's beans, and another
         * library's auto-configured {@code S3AsyncClient} (which backs off when one exists) does not back
         * off for it. Closed by {@link OwnS3Clients}.
         */
        @Bean(name = OWN_CLIENT, defaultCandidate = false, destroyMethod = "")
        @ConditionalOnMissingBean(S3AsyncClient.class)
        S3AsyncClient durableStashS3Client(OwnS3Clients clients) {
            return clients.reads();
        }

        /**
         * The backend on the one {@link S3AsyncClient} bean (the application's, or the starter's, with the
         * starter's write client beside it). Every call is bounded below
         * {@code durable-stash.operation-timeout} per request, whatever the client's own timeouts (see
         * {@link S3ClientBuilders}).
         */
        @Bean
        @ConditionalOnMissingBean
        StorageBackend durableStashStorageBackend(DurableStashProperties properties,
                ObjectProvider<S3AsyncClient> clients, ObjectProvider<DurableStashS3ClientCustomizer> customizers,
                ObjectProvider<OwnS3Clients> ownClients, ListableBeanFactory beanFactory) {
            DurableStashProperties.S3 s3 = properties.getStorage().getS3();
            String bucket = SettingsMapping.s3Bucket(s3);
            S3StorageBackend.Builder builder = S3StorageBackend.builder();
            try {
                builder.bucket(bucket);
            } catch (IllegalArgumentException e) {
                throw SettingsMapping.invalid("storage.s3.bucket", bucket, String.valueOf(e.getMessage()));
            }
            boolean ownClient = beanFactory.containsBean(OWN_CLIENT);
            S3AsyncClient client = ownClient ? beanFactory.getBean(OWN_CLIENT, S3AsyncClient.class)
                    : clients.getIfUnique();
            if (client == null) {
                throw new IllegalStateException("DurableStash found several S3AsyncClient beans and none is @Primary: "
                        + "mark the one for DurableStash @Primary, or define a StorageBackend bean");
            }
            if (ownClient) {
                OwnS3Clients own = ownClients.getIfAvailable();
                if (own != null && own.reads() == client) {
                    builder.writeClient(own.writes());
                }
            } else {
                warnAboutIgnoredSettings(s3, customizers);
            }
            Duration operationTimeout = SettingsMapping.operationTimeout(properties);
            S3StorageBackend backend = builder.client(client)
                    .conditionalDeletes(s3.getConditionalDeletes())
                    .ifMatchForm(s3.getIfMatchForm())
                    .requestChecksums(s3.getRequestChecksums())
                    .apiCallTimeout(S3ClientBuilders.apiCallTimeout(operationTimeout))
                    .apiCallAttemptTimeout(S3ClientBuilders.apiCallAttemptTimeout(operationTimeout))
                    .build();
            if (!ownClient) {
                adviseRevalidationInterceptor(client); // once the client was accepted (a CRT client is not)
            }
            return backend;
        }

        private static void warnAboutIgnoredSettings(DurableStashProperties.S3 s3,
                ObjectProvider<DurableStashS3ClientCustomizer> customizers) {
            DurableStashProperties.S3 defaults = new DurableStashProperties.S3();
            List<String> ignored = new ArrayList<>();
            if (s3.getEndpoint() != null) {
                ignored.add("durable-stash.storage.s3.endpoint");
            }
            if (s3.getRegion() != null) {
                ignored.add("durable-stash.storage.s3.region");
            }
            if (s3.isPathStyleAccess()) {
                ignored.add("durable-stash.storage.s3.path-style-access");
            }
            if (s3.getAccessKeyId() != null || s3.getSecretAccessKey() != null) {
                ignored.add("durable-stash.storage.s3.access-key-id and secret-access-key");
            }
            if (s3.getMaxConcurrency() != defaults.getMaxConcurrency()) {
                ignored.add("durable-stash.storage.s3.max-concurrency");
            }
            if (customizers.stream().findAny().isPresent()) {
                ignored.add("the DurableStashS3ClientCustomizer beans");
            }
            if (!ignored.isEmpty()) {
                log.warn("DurableStash uses the application's S3AsyncClient bean: {} {} ignored (configure that client "
                        + "instead)", String.join(", ", ignored), ignored.size() == 1 ? "is" : "are");
            }
        }

        /**
         * Says (INFO) how to add {@link S3StorageBackend#revalidationInterceptor()} when the application's client
         * lacks it; says nothing when the client does not tell its configuration.
         */
        private static void adviseRevalidationInterceptor(S3AsyncClient client) {
            List<ExecutionInterceptor> interceptors;
            try {
                interceptors = client.serviceClientConfiguration().overrideConfiguration().executionInterceptors();
            } catch (RuntimeException e) { // a wrapper that does not tell
                return;
            }
            if (!interceptors.contains(S3StorageBackend.revalidationInterceptor())) {
                log.info("DurableStash uses the application's S3AsyncClient bean, which has no "
                        + "S3StorageBackend.revalidationInterceptor(): the SDK takes each revalidation answered 304 "
                        + "Not Modified, and each read of a missing key answered 404, for a failed call, which may "
                        + "close its connection (and log a WARN 'Request "
                        + "cancelled'); add .addExecutionInterceptor(S3StorageBackend.revalidationInterceptor()) where "
                        + "that client's override configuration is built (a second overrideConfiguration(...) call on "
                        + "its builder would replace the first, timeouts included)");
            }
        }

        /** Checks the store's compare-and-swap once every singleton exists, before the app serves requests. */
        @Bean
        static S3StoreCheckRunner durableStashS3StoreCheck(ObjectProvider<DurableStashProperties> properties,
                ObjectProvider<StorageBackend> backend) {
            return new S3StoreCheckRunner(properties, backend);
        }
    }

    /**
     * The filesystem backend, and its expiry sweeper (also for an application's own
     * {@link FileSystemStorageBackend} bean, whatever type it is declared as), unless
     * {@code durable-stash.storage.filesystem.sweep.enabled} is {@code false}.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnStorageType(StorageType.FILESYSTEM)
    static class FileSystem {

        private static final Logger log = LoggerFactory.getLogger(FileSystem.class);

        @Bean
        @ConditionalOnMissingBean(StorageBackend.class)
        FileSystemStorageBackend durableStashStorageBackend(DurableStashProperties properties,
                BeanFactory application) {
            return ApplicationClassLoader.building(application,
                    () -> SettingsMapping.fileSystemBackend(properties.getStorage().getFilesystem()));
        }

        /**
         * Started here, stopped with the context; runs on a daemon thread of its own. Conditional on
         * a {@link StorageBackend} bean rather than a {@link FileSystemStorageBackend} one, because a
         * condition sees only the declared type: an application's filesystem backend declared as a
         * {@code StorageBackend} is swept too. When the backend turns out not to be a filesystem one
         * there is nothing to sweep, and the method returns {@code null}, which Spring registers as
         * no usable bean ({@code ObjectProvider#getIfAvailable()} gives {@code null}).
         */
        @Bean(destroyMethod = "close")
        @ConditionalOnBean(StorageBackend.class)
        @ConditionalOnMissingBean
        @Conditional(SweepEnabled.class)
        @Nullable ExpirySweeper durableStashExpirySweeper(StorageBackend backend, StashSettings settings,
                DurableStashProperties properties) {
            DurableStashProperties.Sweep sweep = properties.getStorage().getFilesystem().getSweep();
            Duration interval = SettingsMapping.sweepInterval(sweep);
            if (!(backend instanceof FileSystemStorageBackend filesystem)) {
                log.debug("No expiry sweeper: the storage backend {} is not a filesystem one", backend.describe());
                return null;
            }
            ExpirySweeper sweeper = new ExpirySweeper(filesystem, settings, sweep.getMaxFilesPerRun());
            sweeper.start(interval);
            return sweeper;
        }

        /**
         * Matches when {@code durable-stash.storage.filesystem.sweep.enabled} is on, read as
         * {@link DurableStashProperties} binds it ({@code on}, {@code yes} and {@code 1} are on too; unset
         * is on, the properties' default). A value that is no boolean fails startup naming the property.
         */
        static final class SweepEnabled extends SpringBootCondition {

            private static final String NAME = "durable-stash.storage.filesystem.sweep.enabled";

            @Override
            public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
                boolean on = Binder.get(context.getEnvironment()).bind(NAME, Boolean.class)
                        .orElse(new DurableStashProperties.Sweep().isEnabled());
                return new ConditionOutcome(on, NAME + " is " + on);
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
                case FILESYSTEM -> SettingsMapping.fileSystemBackend(properties.getStorage().getFilesystem());
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
