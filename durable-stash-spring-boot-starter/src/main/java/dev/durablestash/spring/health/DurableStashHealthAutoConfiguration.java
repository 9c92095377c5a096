package dev.durablestash.spring.health;

import java.time.Duration;

import reactor.core.publisher.Mono;

import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.NoneNestedConditions;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.storage.StorageBackend;

/**
 * Auto-configuration of the storage's Actuator health indicator, named {@code durableStash} in
 * {@code /actuator/health}: on every call the storage backend's {@link StorageBackend#check(String) check}
 * of the probe key {@code <key prefix>health-check}, bounded by {@code management.health.durable-stash.timeout}
 * (2 s). UP with the storage's description; DOWN with it and the reason when the store fails the check or
 * does not answer in time; UP again at the first check after the store is back.
 *
 * <p>Applies when Spring Boot's health support ({@code spring-boot-health}, brought by
 * {@code spring-boot-starter-actuator}) is on the classpath and there is one {@link StorageBackend} bean;
 * {@code management.health.durable-stash.enabled=false} (or {@code management.health.defaults.enabled=false})
 * switches it off. A reactive web application gets a {@link ReactiveHealthIndicator}, every other
 * application a {@link HealthIndicator}. Either backs off when the application defines a bean named
 * {@value #INDICATOR_BEAN_NAME} or {@code durableStashHealthContributor}.
 */
@AutoConfiguration(after = DurableStashAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnSingleCandidate(StorageBackend.class)
@ConditionalOnBean(StashSettings.class)
@ConditionalOnEnabledHealthIndicator("durable-stash")
@EnableConfigurationProperties(DurableStashHealthProperties.class)
public final class DurableStashHealthAutoConfiguration {

    /** Name of the indicator bean; the health endpoint shows it as {@code durableStash}. */
    public static final String INDICATOR_BEAN_NAME = "durableStashHealthIndicator";

    DurableStashHealthAutoConfiguration() {
    }

    /**
     * Keeps the indicator eager under {@code spring.main.lazy-initialization}, so that a timeout that is
     * not positive fails startup, not the first health check (a probe's).
     *
     * @return a filter that excludes the indicator from lazy initialization
     */
    @Bean
    static LazyInitializationExcludeFilter durableStashEagerHealthCheck() {
        return LazyInitializationExcludeFilter.forBeanTypes(StorageHealthIndicator.class,
                StorageReactiveHealthIndicator.class);
    }

    static StorageHealth storageHealth(StorageBackend backend, StashSettings settings,
            DurableStashHealthProperties properties) {
        Duration timeout = properties.getTimeout();
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new InvalidConfigurationPropertyValueException("management.health.durable-stash.timeout", timeout,
                    "must be positive");
        }
        return new StorageHealth(backend, settings.keyPrefix(), timeout);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    @ConditionalOnClass({ Mono.class, ReactiveHealthIndicator.class })
    static class Reactive {

        @Bean(INDICATOR_BEAN_NAME)
        @ConditionalOnMissingBean(name = { INDICATOR_BEAN_NAME, "durableStashHealthContributor" })
        StorageReactiveHealthIndicator durableStashHealthIndicator(StorageBackend backend, StashSettings settings,
                DurableStashHealthProperties properties) {
            return new StorageReactiveHealthIndicator(storageHealth(backend, settings, properties));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Conditional(NotReactiveWebApplication.class)
    static class Blocking {

        @Bean(INDICATOR_BEAN_NAME)
        @ConditionalOnMissingBean(name = { INDICATOR_BEAN_NAME, "durableStashHealthContributor" })
        StorageHealthIndicator durableStashHealthIndicator(StorageBackend backend, StashSettings settings,
                DurableStashHealthProperties properties) {
            return new StorageHealthIndicator(storageHealth(backend, settings, properties));
        }
    }

    /** Servlet and non-web applications. */
    static final class NotReactiveWebApplication extends NoneNestedConditions {

        NotReactiveWebApplication() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
        static class ReactiveWebApplication {
        }
    }
}
