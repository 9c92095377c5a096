package dev.durablestash.spring.autoconfigure;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;

import io.micrometer.core.instrument.binder.MeterBinder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

import dev.durablestash.core.EngineExecutor;
import dev.durablestash.core.ExpirySweeper;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.ViewMigrator;
import dev.durablestash.spring.autoconfigure.DurableStashProperties.StorageType;
import dev.durablestash.spring.metrics.StashMetrics;
import dev.durablestash.spring.web.StashedViews;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;

/**
 * Auto-configuration of DurableStash: the storage backend ({@code durable-stash.storage.*}), the
 * engine ({@link StashAdapter}) and the pool it runs on ({@value #EXECUTOR_BEAN_NAME}), the
 * {@link StashedViews}, and Micrometer metrics. The web integration is
 * {@link DurableStashServletAutoConfiguration}'s. Every bean backs off when the application defines
 * one of the same type (the pool: of the same name).
 */
@AutoConfiguration
@EnableConfigurationProperties(DurableStashProperties.class)
@Import({ StorageConfigurations.S3.class, StorageConfigurations.FileSystem.class, StorageConfigurations.Fallback.class })
public final class DurableStashAutoConfiguration {

    /**
     * Name of the {@link Executor} bean the session actors run on. The auto-configured one is a
     * fixed pool of daemon threads named {@code durable-stash-N}, one per core and at least two (see
     * {@link EngineExecutor#newPool()}), shut down when the context closes. Define a bean of this name
     * to replace it: its tasks are short and never block, and it must not be shared with code that
     * blocks. The auto-configured pool is not a default autowiring candidate, so it is neither
     * injected into the application's {@code Executor} injection points nor makes Spring Boot's
     * {@code applicationTaskExecutor} back off.
     */
    public static final String EXECUTOR_BEAN_NAME = "durableStashExecutor";

    private static final Logger log = LoggerFactory.getLogger(DurableStashAutoConfiguration.class);

    /**
     * Checks what the properties alone cannot show, whichever beans the application defines itself: an
     * entry of {@code durable-stash.previous-secrets} that Spring Boot would leave out of the list, then a
     * name under {@code durable-stash.} (or {@code management.health.durable-stash.}) that is no property
     * of the starter, which Spring Boot would ignore.
     *
     * @param environment the application's environment
     */
    public DurableStashAutoConfiguration(Environment environment) {
        PreviousSecretsCheck.requireOnlyElements(environment);
        UnknownPropertiesCheck.requireKnownNames(environment);
    }

    /**
     * Keeps this configuration eager under {@code spring.main.lazy-initialization}, so that its constructor's
     * check fails startup, not a first request; and the filesystem storage's expiry sweeper, which nothing
     * else asks for (only the metrics, when bound), so that expired documents are deleted.
     *
     * @return a filter that excludes these beans from lazy initialization
     */
    @Bean
    static LazyInitializationExcludeFilter durableStashEagerChecks() {
        return LazyInitializationExcludeFilter.forBeanTypes(DurableStashAutoConfiguration.class, ExpirySweeper.class);
    }

    @Bean(name = EXECUTOR_BEAN_NAME, destroyMethod = "shutdown", defaultCandidate = false)
    @ConditionalOnMissingBean(name = EXECUTOR_BEAN_NAME)
    ExecutorService durableStashExecutor(BeanFactory application) {
        return ApplicationClassLoader.building(application, EngineExecutor::newPool);
    }

    @Bean
    @ConditionalOnMissingBean
    StashSettings durableStashSettings(DurableStashProperties properties, StorageBackend backend,
            @Qualifier(EXECUTOR_BEAN_NAME) Executor executor, ObjectProvider<StashSettingsCustomizer> customizers) {
        String configured = properties.getSecret();
        boolean fromProperties = StringUtils.hasText(configured);
        String secret = fromProperties ? configured : secretFor(backend);
        String keyPrefix = properties.getStorage().resolvedType() == StorageType.S3
                ? properties.getStorage().getS3().getPrefix() : null;
        StashSettings.Builder builder = SettingsMapping.toBuilder(properties, secret, fromProperties, keyPrefix)
                .executor(executor);
        customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
        return builder.build();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    StashAdapter durableStashAdapter(StorageBackend backend, StashSettings settings, BeanFactory application) {
        log.info("DurableStash keeps browser-session state in {}", backend.describe());
        return ApplicationClassLoader.building(application, () -> new StashAdapter(backend, settings));
    }

    @Bean
    @ConditionalOnMissingBean
    StashedViews durableStashViews(StashSettings settings, ObjectProvider<ViewMigrator> migrators) {
        return new StashedViews(settings, migrators.orderedStream().toList());
    }

    /**
     * With no {@code durable-stash.secret}: a generated secret for the filesystem backend (kept in
     * its directory) and a random one for an {@linkplain StorageBackend#isEphemeral() ephemeral}
     * backend (which forgets everything anyway, so nothing is written for it); otherwise startup
     * fails, because instances sharing storage must share the secret.
     */
    private static String secretFor(StorageBackend backend) {
        if (backend.isEphemeral()) {
            return SessionIds.newSid();
        }
        if (backend instanceof FileSystemStorageBackend fs) {
            return GeneratedSecret.loadOrCreate(fs.root());
        }
        throw SettingsMapping.invalid("secret", null, "a secret of at least " + StashSettings.MIN_SECRET_BYTES
                + " bytes is required with " + backend.describe()
                + " (every instance that shares this storage must use the same one); "
                + "set durable-stash.secret, e.g. from an environment variable DURABLE_STASH_SECRET");
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static class MetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        StashMetrics durableStashMetrics(StashAdapter adapter, ObjectProvider<ExpirySweeper> sweeper) {
            return new StashMetrics(adapter, sweeper.getIfAvailable());
        }
    }
}
