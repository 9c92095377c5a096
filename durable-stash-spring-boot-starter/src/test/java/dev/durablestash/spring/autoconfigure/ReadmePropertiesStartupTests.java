package dev.durablestash.spring.autoconfigure;

import java.nio.file.Path;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.health.DurableStashHealthAutoConfiguration;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The properties of the README's table as a first-hour user sets them: each binds with a valid value, an invalid
 * one fails startup naming the property, every spelling Spring Boot binds is accepted, a misspelled name fails.
 */
class ReadmePropertiesStartupTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            // The startup failures these tests provoke; each test asserts its failure.
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                    DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                    DurableStashHealthAutoConfiguration.class, JacksonAutoConfiguration.class,
                    WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @TempDir
    Path dir;

    @Test
    void everyPropertyOfTheReadmeTableBindsWithAValidValue() {
        contextRunner.withUserConfiguration(CounterController.class).withPropertyValues(
                "durable-stash.secret=0123456789abcdef0123456789abcdef",
                "durable-stash.previous-secrets=fedcba9876543210fedcba9876543210",
                "durable-stash.ttl=1d", "durable-stash.revalidate-on-mount=false",
                "durable-stash.max-value-size=32KB", "durable-stash.max-document-size=512KB",
                "durable-stash.on-invalid-value=log", "durable-stash.failure-status=507",
                "durable-stash.operation-timeout=5s", "durable-stash.actor.idle-timeout=1m",
                "durable-stash.actor.max-live=100", "durable-stash.actor.max-live-bytes=16MB",
                "durable-stash.encryption.enabled=true", "durable-stash.encryption.accept-plain-documents=true",
                "durable-stash.storage.filesystem.directory=" + dir,
                "durable-stash.storage.filesystem.io-threads=2", "durable-stash.storage.filesystem.journal=true",
                "durable-stash.storage.filesystem.sweep.enabled=false",
                "durable-stash.storage.filesystem.sweep.interval=5m",
                "durable-stash.storage.filesystem.sweep.max-files-per-run=100",
                "durable-stash.storage.s3.prefix=app/", "durable-stash.storage.s3.endpoint=http://localhost:9000",
                "durable-stash.storage.s3.region=eu-west-1", "durable-stash.storage.s3.path-style-access=true",
                "durable-stash.storage.s3.access-key-id=a", "durable-stash.storage.s3.secret-access-key=b",
                "durable-stash.storage.s3.max-concurrency=8", "durable-stash.storage.s3.conditional-deletes=emulated",
                "durable-stash.storage.s3.if-match-form=unquoted",
                "durable-stash.storage.s3.request-checksums=when-supported",
                "durable-stash.storage.s3.store-check=off",
                "durable-stash.cookie.name=sid2", "durable-stash.cookie.domain=example.com",
                "durable-stash.cookie.path=/app", "durable-stash.cookie.max-age=1h", "durable-stash.cookie.secure=true",
                "durable-stash.cookie.same-site=strict", "durable-stash.security.rotate-on-login=false",
                "durable-stash.security.end-on-logout=false", "management.health.durable-stash.enabled=false",
                "management.health.durable-stash.timeout=500ms")
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void invalidValuesFailStartupNamingTheProperty() {
        String[] invalid = { "durable-stash.ttl=0", "durable-stash.ttl=-5s", "durable-stash.failure-status=200",
                "durable-stash.failure-status=600", "durable-stash.on-invalid-value=ignore",
                "durable-stash.cookie.max-age=0", "durable-stash.max-value-size=2MB", "durable-stash.max-value-size=0",
                "durable-stash.max-document-size=0", "durable-stash.actor.max-live=0",
                "durable-stash.actor.max-live-bytes=1KB", "durable-stash.operation-timeout=0",
                "durable-stash.operation-timeout=-1s", "durable-stash.actor.idle-timeout=0",
                "durable-stash.actor.idle-timeout=-1s",
                "durable-stash.storage.type=redis",
                "durable-stash.cookie.same-site=lex", "durable-stash.cookie.domain=.example.com",
                "durable-stash.cookie.path=app", "durable-stash.secret=short",
                "management.health.durable-stash.timeout=0", "management.health.durable-stash.timeout=-1s",
                "durable-stash.storage.s3.conditional-deletes=sometimes", "durable-stash.ttl=abc" };
        java.util.List<String> started = new java.util.ArrayList<>();
        java.util.List<String> unnamed = new java.util.ArrayList<>();
        for (String pair : invalid) {
            contextRunner.withUserConfiguration(CounterController.class).withPropertyValues(pair).run((context) -> {
                if (context.getStartupFailure() != null) {
                    String name = pair.substring(0, pair.indexOf('='));
                    StringBuilder messages = new StringBuilder();
                    for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
                        messages.append(t.getMessage()).append(" | ");
                    }
                    String last = name.substring(name.lastIndexOf('.') + 1);
                    if (!messages.toString().contains(last)) {
                        unnamed.add(pair + " -> " + messages);
                    }
                } else {
                    started.add(pair);
                }
            });
        }
        assertThat(unnamed).as("failures that do not name the property").isEmpty();
        assertThat(started).as("invalid values that started").isEmpty();
    }

    @Test
    void invalidFilesystemValuesFailStartupWithTheFilesystemStorage() {
        String[] invalid = { "durable-stash.storage.filesystem.io-threads=0",
                "durable-stash.storage.filesystem.io-threads=-1",
                "durable-stash.storage.filesystem.sweep.interval=0",
                "durable-stash.storage.filesystem.sweep.interval=-1s",
                "durable-stash.storage.filesystem.sweep.max-files-per-run=0",
                "durable-stash.storage.filesystem.sweep.max-files-per-run=-1" };
        java.util.List<String> started = new java.util.ArrayList<>();
        for (String pair : invalid) {
            contextRunner.withUserConfiguration(CounterController.class)
                    .withPropertyValues("durable-stash.storage.type=filesystem",
                            "durable-stash.storage.filesystem.directory=" + dir, pair)
                    .run((context) -> {
                        if (context.getStartupFailure() == null) {
                            started.add(pair);
                        }
                    });
        }
        assertThat(started).as("invalid values that started").isEmpty();
    }

    @Test
    void everySpellingSpringBootBindsIsAcceptedAndBindsTheValue() {
        String[][] spellings = { { "durable-stash.maxValueSize=1KB" }, { "durable-stash.max_value_size=1KB" },
                { "durable-stash.MAX-VALUE-SIZE=1KB" }, { "durableStash.maxValueSize=1KB" },
                { "durable_stash.max_value_size=1KB" }, { "DURABLE-STASH.MAX-VALUE-SIZE=1KB" } };
        java.util.List<String> refused = new java.util.ArrayList<>();
        for (String[] pair : spellings) {
            contextRunner.withUserConfiguration(CounterController.class).withPropertyValues(pair).run((context) -> {
                if (context.getStartupFailure() != null) {
                    refused.add(pair[0] + " -> " + context.getStartupFailure());
                } else {
                    int max = context.getBean(dev.durablestash.core.StashSettings.class).maxValueBytes();
                    if (max != 1024) {
                        refused.add(pair[0] + " -> not bound: " + max);
                    }
                }
            });
        }
        assertThat(refused).isEmpty();
    }

    @Test
    void misspelledNamesUnderEverySpellingOfThePrefixFailStartup() {
        String[] names = { "durable-stash.tll=1d", "durableStash.tll=1d", "durable_stash.tll=1d",
                "DURABLE-STASH.TLL=1d", "durable-stash.actor.maxLiv=10" };
        java.util.List<String> started = new java.util.ArrayList<>();
        for (String pair : names) {
            contextRunner.withUserConfiguration(CounterController.class).withPropertyValues(pair).run((context) -> {
                if (context.getStartupFailure() == null) {
                    started.add(pair);
                }
            });
        }
        assertThat(started).as("misspelled names that started").isEmpty();
    }

    @Test
    void aSmallerDocumentSizeAloneLowersTheValueSizeDefault() {
        contextRunner.withUserConfiguration(CounterController.class)
                .withPropertyValues("durable-stash.max-document-size=32KB").run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(dev.durablestash.core.StashSettings.class).maxValueBytes())
                            .isEqualTo(32 * 1024);
                });
    }

    @Test
    void aBareNumberMeansSecondsAsTheReadmeSays() {
        contextRunner.withUserConfiguration(CounterController.class)
                .withPropertyValues("durable-stash.ttl=3600", "durable-stash.operation-timeout=7",
                        "durable-stash.actor.idle-timeout=90", "durable-stash.cookie.max-age=120")
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    dev.durablestash.core.StashSettings settings = context
                            .getBean(dev.durablestash.core.StashSettings.class);
                    assertThat(settings.ttl()).isEqualTo(java.time.Duration.ofHours(1));
                    assertThat(settings.operationTimeout()).isEqualTo(java.time.Duration.ofSeconds(7));
                    assertThat(settings.actorIdleTimeout()).isEqualTo(java.time.Duration.ofSeconds(90));
                    assertThat(context.getBean(dev.durablestash.spring.web.SidCookie.class).getMaxAge())
                            .isEqualTo(java.time.Duration.ofSeconds(120));
                });
    }

    @RestController
    static class CounterController {
        @Stashed int count;

        @GetMapping("/")
        String show() {
            return Integer.toString(count);
        }
    }
}
