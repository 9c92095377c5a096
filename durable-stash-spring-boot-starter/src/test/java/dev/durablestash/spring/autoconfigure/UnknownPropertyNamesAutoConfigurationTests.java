package dev.durablestash.spring.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * A name under {@code durable-stash.} (or {@code management.health.durable-stash.}) that is no property
 * of the starter fails startup, as an invalid value does: Spring Boot's binder ignored it without a word
 * (a misspelled {@code previous-secrets} lost every session at a secret rotation, a misplaced
 * {@code s3.bucket} ran on the local filesystem). The failure names the property, where it is set and
 * the nearest property there is, never its value.
 */
class UnknownPropertyNamesAutoConfigurationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context")
            // The startup failures these tests provoke; each test asserts its failure and the message.
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private static final String SECRET = "Th1s-is-the-REAL-production-secret-0123456789";

    /** A value each misspelled name is given: never to be shown. */
    private static final String VALUE = "0ld-previous-production-secret-ABCDEFGHIJKLMNOP";

    @TempDir
    Path directory;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DurableStashAutoConfiguration.class))
                .withPropertyValues("durable-stash.storage.filesystem.directory=" + directory,
                        "durable-stash.secret=" + SECRET);
    }

    /** @return a runner whose environment variables are {@code variables}, in place of the process's */
    private ApplicationContextRunner runner(Map<String, Object> variables) {
        return runner().withInitializer((context) -> context.getEnvironment().getPropertySources().replace(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new SystemEnvironmentPropertySource(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "durable-stash.previous-secret                 | durable-stash.previous-secrets",
        "durable-stash.previousSecret                  | durable-stash.previous-secrets",
        "durable-stash.secrets                         | durable-stash.secret",
        "durable-stash.s3.bucket                       | durable-stash.storage.s3.bucket",
        "durable-stash.bucket                          | durable-stash.storage.s3.bucket",
        "durable-stash.storage.filesytem.directory     | durable-stash.storage.filesystem.directory",
        "durable-stash.storage.directory               | durable-stash.storage.filesystem.directory",
        "durable-stash.cookie.samesite-policy          | durable-stash.cookie.same-site",
        "durable-stash.cookie[0].name                  | durable-stash.cookie.name",
        "durable.stash.secret                          | durable-stash.secret",
        "management.health.durable-stash.timout        | management.health.durable-stash.timeout",
    })
    void aMisspelledPropertyFailsStartupNamingItWhereItIsSetAndTheNearestProperty(String name, String nearest) {
        runner().withPropertyValues(name + "=" + VALUE).run((context) -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("'" + name + "'")
                    .contains("\"" + name + "\" from property source")
                    .contains("did you mean " + nearest + "?")
                    .doesNotContain(VALUE);
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "DURABLE_STASH_PREVIOUS_SECRET      | DURABLE_STASH_PREVIOUS_SECRETS (durable-stash.previous-secrets)",
        "DURABLE_STASH_SECRETS                         | DURABLE_STASH_SECRET (durable-stash.secret)",
        "DURABLESTASH_S3_BUCKET             | DURABLE_STASH_STORAGE_S3_BUCKET (durable-stash.storage.s3.bucket)",
        "DURABLE_STASH_STORAGE_FILESYTEM_DIRECTORY     | DURABLE_STASH_STORAGE_FILESYSTEM_DIRECTORY "
                + "(durable-stash.storage.filesystem.directory)",
        "DURABLE_STASH_STORAGES3_BUCKET     | DURABLE_STASH_STORAGE_S3_BUCKET (durable-stash.storage.s3.bucket)",
        "MANAGEMENT_HEALTH_DURABLE_STASH_TIMOUT        | MANAGEMENT_HEALTH_DURABLE_STASH_TIMEOUT "
                + "(management.health.durable-stash.timeout)",
    })
    void aMisspelledEnvironmentVariableFailsStartupNamingIt(String variable, String nearest) {
        runner(Map.of(variable, VALUE)).run((context) -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("'" + variable + "'")
                    .contains("\"" + variable + "\" from property source \"systemEnvironment\"")
                    .contains("did you mean " + nearest + "?")
                    .doesNotContain(VALUE);
        });
    }

    @Test
    void severalMisspelledPropertiesAreNamedTogether() {
        runner().withPropertyValues("durable-stash.previous-secret=" + VALUE, "durable-stash.ttll=1d")
                .run((context) -> {
                    assertThat(context).hasFailed();
                    assertThat(messages(context.getStartupFailure())).contains("'durable-stash.previous-secret'")
                            .contains("did you mean durable-stash.previous-secrets?")
                            .contains("'durable-stash.ttll'").contains("did you mean durable-stash.ttl?");
                });
    }

    /**
     * Kubernetes sets such variables in every pod of a namespace, for each Service there: here one named
     * durable-stash (the store, say) and one named durable-stash-demo (the application itself).
     */
    @Test
    void environmentVariablesFarFromEveryPropertyAreLoggedNotRefused() {
        logs.expect(Level.WARN, "'DURABLE_STASH_DEMO_SERVICE_HOST'");
        Map<String, Object> variables = new HashMap<>();
        for (String service : List.of("DURABLE_STASH", "DURABLE_STASH_DEMO")) {
            variables.putAll(Map.of(service + "_SERVICE_HOST", "10.96.0.12", service + "_SERVICE_PORT", "8080",
                    service + "_PORT", "tcp://10.96.0.12:8080", service + "_PORT_8080_TCP", "tcp://10.96.0.12:8080",
                    service + "_PORT_8080_TCP_PROTO", "tcp", service + "_PORT_8080_TCP_PORT", "8080",
                    service + "_PORT_8080_TCP_ADDR", "10.96.0.12", service + "_SERVICE_PORT_SECURE", "8443",
                    service + "_PORT_53_UDP", "udp://10.96.0.12:53"));
        }
        runner(variables).run((context) -> assertThat(context).hasNotFailed());
        String warnings = String.join("\n", logs.messages(Level.WARN));
        for (String variable : variables.keySet()) {
            assertThat(warnings).contains("'" + variable + "'");
        }
        assertThat(warnings).doesNotContain("10.96.0.12");
    }

    /** Misnamed settings far from every property name, but no variable a platform sets: they fail as in a file. */
    @ParameterizedTest
    @ValueSource(strings = { "DURABLE_STASH_PREV_SECRETS", "DURABLE_STASH_OLD_SECRETS", "DURABLE_STASH_SECRETS_PREVIOUS",
        "DURABLE_STASH_S3_BUCKETNAME", "DURABLE_STASH_STORAGE_DIR", "DURABLE_STASH_S3_SECRET_KEY" })
    void aMisnamedEnvironmentVariableThatNoPlatformSetsFailsStartup(String variable) {
        runner(Map.of(variable, VALUE)).run((context) -> {
            assertThat(context).as(variable).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("'" + variable + "'").doesNotContain(VALUE);
        });
    }

    @Test
    void aNameFarFromEveryPropertyFailsWithoutASuggestion() {
        runner().withPropertyValues("durable-stash.frobnicate=yes").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains("'durable-stash.frobnicate'")
                    .doesNotContain("did you mean");
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // relaxed spellings of properties the starter has
        "durable-stash.previousSecrets=" + VALUE,
        "durable-stash.previous-secrets[0]=" + VALUE,
        "durable-stash.previous-secrets.0=" + VALUE,
        "durable-stash.storage.s3.pathStyleAccess=true",
        "durable-stash.storage.filesystem.sweep.max_files_per_run=5",
        "durable-stash.Cookie.Same-Site=Strict",
        "durableStash.ttl=1d",
        "management.health.durable-stash.timeout=1s",
        "management.health.durableStash.enabled=false",
        // names beside the prefix, not below it
        "durable-stash-extra.anything=1",
        "durable-stashes.anything=1",
        "management.health.durable-stash-extra.timeout=1s",
        "management.health.diskspace.enabled=false",
    })
    void propertiesTheStarterHasStartHoweverSpelled(String property) {
        runner().withPropertyValues(property).run((context) -> assertThat(context).hasNotFailed());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "DURABLE_STASH_TTL                             | 1d",
        "DURABLESTASH_TTL                              | 1d",
        "DURABLE_STASH_STORAGE_S3_PATH_STYLE_ACCESS    | true",
        "DURABLESTASH_STORAGE_S3_PATHSTYLEACCESS       | true",
        "DURABLE_STASH_REVALIDATE_ON_MOUNT             | false",
        "DURABLE_STASH_PREVIOUS_SECRETS_0              | " + VALUE,
        "DURABLE_STASH_ACTOR_MAX_LIVE                  | 5",
        "durable_stash_ttl                             | 1d",
        "MANAGEMENT_HEALTH_DURABLE_STASH_TIMEOUT       | 1s",
        "MANAGEMENT_HEALTH_DURABLESTASH_ENABLED        | false",
        // a container convention: the path of a file a start script reads the property's value from
        "DURABLE_STASH_SECRET_FILE                     | /run/secrets/durable-stash",
        // beside the prefix
        "DURABLE_STASHES_HOME                          | /opt",
        "DURABLE_STASH                                 | 1",
    })
    void environmentVariablesOfPropertiesTheStarterHasStart(String variable, String value) {
        runner(Map.of(variable, value)).run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void everyPropertyTheReadmeAndTheSpringDocsListIsKnownAlsoAsAnEnvironmentVariable() throws IOException {
        Map<String, Object> properties = new HashMap<>();
        Map<String, Object> variables = new HashMap<>();
        for (String document : List.of("../README.md", "../docs/spring.md")) {
            Matcher row = Pattern.compile("^\\| `((?:management\\.health\\.)?durable-stash\\.[a-z0-9.-]+)` \\|",
                    Pattern.MULTILINE).matcher(Files.readString(Path.of(document)));
            while (row.find()) {
                String name = row.group(1);
                properties.put(name, "x");
                variables.put(name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'), "x");
                variables.put(name.toUpperCase(Locale.ROOT).replace("-", "").replace('.', '_'), "x");
            }
        }
        assertThat(properties).hasSizeGreaterThan(40).containsKeys("durable-stash.previous-secrets",
                "durable-stash.storage.s3.store-check", "management.health.durable-stash.timeout");
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        variables));
        environment.getPropertySources().addFirst(new MapPropertySource("documented", properties));

        assertThatNoException().isThrownBy(() -> UnknownPropertiesCheck.requireKnownNames(environment));
    }

    /** @return the messages of {@code failure} and its causes, one per line */
    private static String messages(Throwable failure) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        return messages.toString();
    }
}
