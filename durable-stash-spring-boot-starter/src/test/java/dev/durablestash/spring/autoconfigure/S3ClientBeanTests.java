package dev.durablestash.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;

import dev.durablestash.testsupport.ExpectedLogs;

import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * The starter's own client is an {@code S3AsyncClient} bean like any other. Another library's
 * auto-configuration that defines the application's {@code S3AsyncClient} only when there is none (as
 * Spring Cloud AWS's {@code S3CrtAsyncClientAutoConfiguration} does, {@code @ConditionalOnMissingBean}, for
 * S3TransferManager and the application) is processed after the starter's (no ordering between them:
 * by class name), backs off, and the application gets DurableStash's client instead: DurableStash's
 * endpoint, credentials and call timeouts (half of durable-stash.operation-timeout, 5 s by default, for
 * the application's uploads too).
 */
class S3ClientBeanTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private static final String SECRET = "review11-secret-0123456789abcdef0123456789";

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DurableStashAutoConfiguration.class,
                    AnotherLibraryS3AutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.s3.bucket=stash", "durable-stash.secret=" + SECRET,
                    "durable-stash.storage.s3.store-check=off",
                    "durable-stash.storage.s3.endpoint=http://127.0.0.1:1");

    @Test
    void anotherLibrarysAutoConfiguredS3AsyncClientIsNotReplacedByTheStartersOwn() {
        contextRunner.run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBeansOfType(S3AsyncClient.class).keySet())
                    .as("the S3AsyncClient beans").contains(AnotherLibraryS3AutoConfiguration.BEAN);
            S3AsyncClient offered = context.getBean(S3AsyncClient.class);
            assertThat(offered.serviceClientConfiguration().overrideConfiguration().apiCallTimeout())
                    .as("the call timeout of the S3AsyncClient the application is given")
                    .isNotEqualTo(java.util.Optional.of(Duration.ofSeconds(5)));
        });
    }

    /**
     * A new user's endpoint without a scheme, as many MinIO guides write it: startup fails, but with the
     * SDK's URISyntaxException about "localhost:", naming neither the property nor its value (the README
     * promises that invalid values fail startup naming the property).
     */
    @Test
    void anEndpointWithoutASchemeFailsStartupNamingTheProperty() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DurableStashAutoConfiguration.class))
                .withInitializer((context) -> context.getEnvironment().getPropertySources().addFirst(
                        new org.springframework.core.env.MapPropertySource("review", java.util.Map.of(
                                "durable-stash.storage.s3.bucket", "stash", "durable-stash.secret", SECRET,
                                "durable-stash.storage.s3.endpoint", "localhost:9000",
                                "durable-stash.storage.s3.path-style-access", "true"))))
                .run((context) -> {
                    assertThat(context).as("startup").hasFailed();
                    assertThat(context.getStartupFailure()).hasStackTraceContaining("durable-stash.storage.s3.endpoint");
                });
    }

    /** Stands for Spring Cloud AWS's S3CrtAsyncClientAutoConfiguration (a plain client here: no CRT needed). */
    @AutoConfiguration
    static class AnotherLibraryS3AutoConfiguration {

        static final String BEAN = "s3AsyncClient";

        @Bean(BEAN)
        @ConditionalOnMissingBean
        S3AsyncClient s3AsyncClient() {
            return S3AsyncClient.builder().region(Region.EU_WEST_1).endpointOverride(URI.create("http://127.0.0.1:2"))
                    .build();
        }
    }
}
