package dev.durablestash.testing.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;

/**
 * Makes the {@link InMemoryStorageBackend} the storage of a Spring Boot application that has this
 * module on its classpath (typically the test classpath) and configures no other storage:
 * {@code durable-stash.storage.type} unset and no {@code durable-stash.storage.s3.bucket}, or
 * {@code durable-stash.storage.type=memory}. Tests of such an application then keep browser-session
 * state in memory and write nothing to disk: no filesystem store, no generated secret file (the
 * backend is {@linkplain StorageBackend#isEphemeral() ephemeral}, so the starter keys it with a
 * random secret).
 *
 * <p>An explicit {@code durable-stash.storage.type=filesystem} or {@code s3}, a bucket, or a
 * {@link StorageBackend} bean of the application wins: this configuration then backs off. It runs
 * before the starter's {@code DurableStashAutoConfiguration}, whose storage backends back off when
 * this one has defined its backend. The bean is declared as {@link InMemoryStorageBackend}, so a test
 * can inject it to inspect storage or inject faults.
 *
 * <p>Registered for {@code @SpringBootTest} and for the {@code @WebMvcTest} slice.
 */
@AutoConfiguration(beforeName = InMemoryStorageAutoConfiguration.STARTER_AUTO_CONFIGURATION)
@ConditionalOnClass(name = InMemoryStorageAutoConfiguration.STARTER_AUTO_CONFIGURATION)
@Conditional(OnInMemoryStorageCondition.class)
public final class InMemoryStorageAutoConfiguration {

    /** The starter's engine auto-configuration, named because this module does not depend on the starter. */
    static final String STARTER_AUTO_CONFIGURATION = "dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration";

    @Bean
    @ConditionalOnMissingBean(StorageBackend.class)
    InMemoryStorageBackend durableStashStorageBackend() {
        return new InMemoryStorageBackend();
    }
}
