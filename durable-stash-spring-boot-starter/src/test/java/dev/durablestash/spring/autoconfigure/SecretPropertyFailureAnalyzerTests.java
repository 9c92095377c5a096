package dev.durablestash.spring.autoconfigure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.CompositePropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import dev.durablestash.core.StashSettings;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a startup that fails on a secret property prints, through Spring Boot's own failure report (the
 * analysis it logs at ERROR): the property and the reason, never the value.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretPropertyFailureAnalyzerTests {

    /**
     * The startup failures these tests provoke: Boot's failure report (at ERROR) and the context's
     * cancelled refresh (at WARN), captured instead of printed. Each test that fails startup asserts
     * what the report says, and that nothing captured or printed holds the secret.
     */
    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.boot.diagnostics",
            "org.springframework.boot.SpringApplication", "org.springframework.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt")
            .allow(Level.ERROR, "APPLICATION FAILED TO START");

    private static final String SECRET = "Th1s-is-the-REAL-production-secret-0123456789";

    @TempDir
    Path directory;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "durable-stash.next-secret=" + SECRET + "         | durable-stash.next-secret      | equals durable-stash.secret",
        "durable-stash.previous-secrets=" + SECRET + "    | durable-stash.previous-secrets | contains the current secret",
    })
    void aSecretPropertyThatFailsStartupIsReportedWithoutItsValue(String property, String name, String reason,
            CapturedOutput output) {
        assertThatThrownBy(() -> start("--durable-stash.secret=" + SECRET, "--" + property))
                .hasRootCauseMessage("Property " + name + " with value '******' is invalid: " + rootReason(reason));

        assertThat(printed(output)).contains("APPLICATION FAILED TO START")
                .contains("Invalid value for configuration property '" + name + "' (originating from "
                        + "'\"" + name + "\" from property source \"commandLineArgs\"')")
                .contains(reason)
                .doesNotContain(SECRET);
    }

    @Test
    void aSecretTooShortIsReportedWithoutItsValue(CapturedOutput output) {
        String tooShort = "my-production-hmac-secret-31byt";

        assertThatThrownBy(() -> start("--durable-stash.secret=" + tooShort));

        assertThat(printed(output)).contains("APPLICATION FAILED TO START")
                .contains("Invalid value for configuration property 'durable-stash.secret'")
                .contains("Reason: ")
                .doesNotContain(tooShort);
    }

    @Test
    void anIndexedPreviousSecretWithAGapIsReportedWithoutItsValue(CapturedOutput output) {
        // Say, the first of two previous secrets deleted during a rotation: Boot's report of the unbound element
        // printed it.
        String previous = "0ld-previous-production-secret-ABCDEFGHIJKLMNOP";

        assertThatThrownBy(() -> start("--durable-stash.secret=" + SECRET, "--durable-stash.previous-secrets[1]=" + previous));

        assertThat(printed(output)).contains("APPLICATION FAILED TO START")
                .contains("Invalid value for configuration property 'durable-stash.previous-secrets'")
                .contains("[durable-stash.previous-secrets[1]] were left unbound")
                .contains("from property source \"commandLineArgs\"")
                .doesNotContain(previous);
    }

    /** A previous secret as the tests below set it, never to be printed. */
    private static final String PREVIOUS = "0ld-previous-production-secret-ABCDEFGHIJKLMNOP";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // entries under a name, or below an element
        "                                                   | --durable-stash.previous-secrets.old=        |                                    | durable-stash.previous-secrets.old",
        "                                                   | --durable-stash.previousSecrets.old=         |                                    | durable-stash.previousSecrets.old",
        "                                                   | --durable-stash.previous-secrets[0].value=   |                                    | durable-stash.previous-secrets[0].value",
        "                                                   |                                              | DURABLESTASH_PREVIOUSSECRETS_OLD   | DURABLESTASH_PREVIOUSSECRETS_OLD",
        "                                                   |                                              | DURABLE_STASH_PREVIOUS_SECRETS_OLD | DURABLE_STASH_PREVIOUS_SECRETS_OLD",
        "                                                   |                                              | DURABLE_STASH_PREVIOUSSECRETS_OLD  | DURABLE_STASH_PREVIOUSSECRETS_OLD",
        // elements the binder does not read: a gap in dotted indexes, 00, environment variables it does not map
        "previous-secrets.0=A;previous-secrets.2=C          |                                              |                                    | application.properties] - 2:",
        "previous-secrets.1=B                               |                                              |                                    | application.properties] - 1:",
        "previous-secrets.00=B                              |                                              |                                    | application.properties] - 1:",
        "                                                   |                                              | DURABLE_STASH_PREVIOUSSECRETS_0    | DURABLE_STASH_PREVIOUSSECRETS_0",
        "                                                   |                                              | DURABLESTASH_PREVIOUS_SECRETS_0    | DURABLESTASH_PREVIOUS_SECRETS_0",
        "                                                   |                                              | DURABLESTASH_PREVIOUSSECRETS_0;DURABLE_STASH_PREVIOUSSECRETS_1 | DURABLE_STASH_PREVIOUSSECRETS_1",
        // the list given twice in one place: the binder reads one of them (two spellings of one name are
        // reported where the first is set)
        "previous-secrets=A;previous-secrets[1]=B           |                                              |                                    | application.properties] - 2:",
        "                                                   |                                              | DURABLESTASH_PREVIOUSSECRETS;DURABLESTASH_PREVIOUSSECRETS_1 | DURABLESTASH_PREVIOUSSECRETS_1",
        "previous-secrets=A;previousSecrets=B               |                                              |                                    | application.properties] - 1:",
        "previous-secrets[0]=A;previous-secrets.0=B         |                                              |                                    | application.properties] - 1:",
        "                                                   |                                              | DURABLESTASH_PREVIOUSSECRETS;DURABLE_STASH_PREVIOUS_SECRETS | DURABLE_STASH_PREVIOUS_SECRETS",
        "                                                   |                                              | DURABLESTASH_PREVIOUSSECRETS_0;DURABLE_STASH_PREVIOUS_SECRETS_0 | DURABLE_STASH_PREVIOUS_SECRETS_0",
        // the property itself, spelled in a way the binder does not read
        "                                                   |                                              | DURABLESTASH_PREVIOUS_SECRETS      | DURABLESTASH_PREVIOUS_SECRETS",
        // lazy initialization does not put the check off
        "                                                   | --spring.main.lazy-initialization=true --durable-stash.previous-secrets.old= | | durable-stash.previous-secrets.old",
    })
    void previousSecretsSpringBootWouldLeaveOutFailStartupWithoutTheirValues(String file, String argument,
            String variables, String where, CapturedOutput output) {
        // Spring Boot's binder left each of these out of the list and said nothing, so after the deploy that made
        // the secret previous no session stored under it was found.
        Map<String, Object> environment = new HashMap<>();
        if (variables != null) {
            for (String variable : variables.split(";")) {
                environment.put(variable, PREVIOUS);
            }
        }
        List<String> args = new ArrayList<>(List.of("--durable-stash.secret=" + SECRET));
        if (argument != null) {
            String[] split = argument.split(" ");
            for (int i = 0; i < split.length; i++) {
                args.add(i == split.length - 1 ? split[i] + PREVIOUS : split[i]);
            }
        }

        assertThatThrownBy(() -> start(environment, file == null ? null : file.replace("A", PREVIOUS).replace("B", PREVIOUS)
                .replace("C", PREVIOUS), args.toArray(String[]::new)))
                .hasRootCauseInstanceOf(InvalidConfigurationPropertyValueException.class);

        assertThat(printed(output)).contains("APPLICATION FAILED TO START")
                .contains("Configuration property 'durable-stash.previous-secrets' has entries Spring Boot would leave out "
                        + "of the list, set at '")
                .contains(where)
                .contains("(their values are secrets and are not shown)")
                .contains("Give durable-stash.previous-secrets as one list in one place")
                .doesNotContain(PREVIOUS);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // the forms of a list, alone
        "                                                      |                                   | --durable-stash.previous-secrets=A-previous-secret-of-32-bytes-or-more,B-previous-secret-of-32-bytes-or-more | 2",
        "                                                      |                                   | --durable-stash.previous-secrets[0]=A-previous-secret-of-32-bytes-or-more | 1",
        "                                                      |                                   | --durable-stash.previous-secrets.0=A-previous-secret-of-32-bytes-or-more  | 1",
        "                                                      | DURABLESTASH_PREVIOUSSECRETS_0     |                                                                           | 1",
        "                                                      | DURABLESTASH_PREVIOUSSECRETS_0_    |                                                                           | 1",
        "                                                      | DURABLE_STASH_PREVIOUS_SECRETS_0   |                                                                           | 1",
        "                                                      | DURABLE_STASH_PREVIOUS_SECRETS     |                                                                           | 1",
        "previous-secrets.0=A-previous-secret-of-32-bytes-or-more;previous-secrets.1=B-previous-secret-of-32-bytes-or-more | | | 2",
        // a list in a file, replaced by a source that comes first (a profile, an argument, the environment)
        "previous-secrets.0=A-previous-secret-of-32-bytes-or-more;previous-secrets.1=B-previous-secret-of-32-bytes-or-more | | --durable-stash.previous-secrets=A-previous-secret-of-32-bytes-or-more | 1",
        "previous-secrets.0=A-previous-secret-of-32-bytes-or-more;previous-secrets.1=B-previous-secret-of-32-bytes-or-more | | --durable-stash.previous-secrets=                                       | 0",
        "previous-secrets.0=A-previous-secret-of-32-bytes-or-more;previous-secrets.1=B-previous-secret-of-32-bytes-or-more | DURABLESTASH_PREVIOUSSECRETS | | 1",
        "previous-secrets[0]=A-previous-secret-of-32-bytes-or-more;previous-secrets[1]=B-previous-secret-of-32-bytes-or-more | | --durable-stash.previous-secrets[0]=A-previous-secret-of-32-bytes-or-more | 1",
        // a container's secret-file variable, read by a start script, is not an entry
        "previous-secrets[0]=A-previous-secret-of-32-bytes-or-more | DURABLE_STASH_PREVIOUS_SECRETS_FILE |    | 1",
        // what the binder leaves out of a source it does not read is not lost: the list comes from before it
        "previous-secrets.0=A-previous-secret-of-32-bytes-or-more;previous-secrets.2=C-previous-secret-of-32-bytes-or-more | | --durable-stash.previous-secrets=A-previous-secret-of-32-bytes-or-more | 1",
        "previous-secrets.old=A-previous-secret-of-32-bytes-or-more | | --durable-stash.previous-secrets[0]=A-previous-secret-of-32-bytes-or-more | 1",
    })
    void theFormsOfAListStillStart(String file, String variables, String argument, int secrets) {
        Map<String, Object> environment = new HashMap<>();
        if (variables != null) {
            for (String variable : variables.split(";")) {
                environment.put(variable, "A-previous-secret-of-32-bytes-or-more");
            }
        }
        String[] args = argument == null ? new String[] { "--durable-stash.secret=" + SECRET }
                : new String[] { "--durable-stash.secret=" + SECRET, argument };
        try (ConfigurableApplicationContext context = start(environment, file, args)) {
            assertThat(context.getBean(DurableStashProperties.class).getPreviousSecrets()).hasSize(secrets);
        }
    }

    @Test
    void aNullFirstDoesNotHideTheListAfterIt(CapturedOutput output) {
        // The binder skips a null and reads the list from the file, whose gap lost C: so does the check.
        assertThatThrownBy(() -> start(Map.of(), "previous-secrets.0=" + PREVIOUS + ";previous-secrets.2=" + PREVIOUS,
                "--durable-stash.secret=" + SECRET, "--spring.application.json={\"durable-stash\":{\"previous-secrets\":null}}"))
                .hasRootCauseInstanceOf(InvalidConfigurationPropertyValueException.class);

        assertThat(printed(output)).contains("has entries Spring Boot would leave out of the list").contains("application.properties] - 2:")
                .doesNotContain(PREVIOUS);
    }

    @Test
    void aListFromASourceThatCannotListItsNamesOverridesWhatComesAfterIt() {
        // Say, a secrets manager's property source: the binder takes the list from it, the file's entry is overridden.
        StandardEnvironment environment = environment(Map.of());
        environment.getPropertySources().addFirst(new PropertySource<Object>("secrets-manager") {
            @Override
            public @Nullable Object getProperty(String name) {
                return name.equals("durable-stash.previous-secrets") ? "A-previous-secret-of-32-bytes-or-more" : null;
            }
        });

        try (ConfigurableApplicationContext context = start(environment,
                "previous-secrets.old=B-previous-secret-of-32-bytes-or-more", new Class<?>[] { Application.class },
                "--durable-stash.secret=" + SECRET)) {
            assertThat(context.getBean(DurableStashProperties.class).getPreviousSecrets())
                    .containsExactly("A-previous-secret-of-32-bytes-or-more");
        }
    }

    @Test
    void aListOverriddenInsideACompositeSourceStarts() {
        // As older Spring Cloud Config clients combine a profile's file over the base one: the value overrides.
        CompositePropertySource combined = new CompositePropertySource("configService");
        combined.addPropertySource(new MapPropertySource("app-prod.yml",
                Map.of("durable-stash.previous-secrets", "X-previous-secret-of-32-bytes-or-more")));
        combined.addPropertySource(new MapPropertySource("app.yml", Map.of(
                "durable-stash.previous-secrets[0]", "A-previous-secret-of-32-bytes-or-more",
                "durable-stash.previous-secrets[1]", "B-previous-secret-of-32-bytes-or-more")));
        StandardEnvironment environment = environment(Map.of());
        environment.getPropertySources().addFirst(combined);

        try (ConfigurableApplicationContext context = start(environment, null, new Class<?>[] { Application.class },
                "--durable-stash.secret=" + SECRET)) {
            assertThat(context.getBean(DurableStashProperties.class).getPreviousSecrets())
                    .containsExactly("X-previous-secret-of-32-bytes-or-more");
        }
    }

    @Test
    void aNamedPreviousSecretFailsStartupAlsoBesideTheApplicationsOwnSettings(CapturedOutput output) {
        // An application that builds its StashSettings itself from the properties lost the secret as silently.
        assertThatThrownBy(() -> start(Map.of(), null, new Class<?>[] { Application.class, OwnSettings.class },
                "--durable-stash.secret=" + SECRET, "--durable-stash.previous-secrets.old=" + PREVIOUS))
                .hasRootCauseInstanceOf(InvalidConfigurationPropertyValueException.class);

        assertThat(printed(output)).contains("has entries Spring Boot would leave out of the list").doesNotContain(PREVIOUS);
    }

    @Test
    void anIndexedListOfPreviousSecretsNamesWhereItIsSet(CapturedOutput output) {
        assertThatThrownBy(() -> start("--durable-stash.secret=" + SECRET, "--durable-stash.previous-secrets[0]=" + SECRET));

        assertThat(printed(output)).contains("Invalid value for configuration property 'durable-stash.previous-secrets' "
                + "(originating from '\"durable-stash.previous-secrets[0]\" from property source \"commandLineArgs\"')")
                .doesNotContain(SECRET);
    }

    @Test
    void aMisspelledSecretPropertyFailsStartupNamingItWithoutItsValue(CapturedOutput output) {
        // Spring Boot ignored both: the rotation to the new secret lost every session stored under the old one.
        assertThatThrownBy(() -> start(Map.of("DURABLE_STASH_PREVIOUSSECRET", PREVIOUS), null,
                "--durable-stash.secret=" + SECRET, "--durable-stash.previous-secret=" + PREVIOUS));

        assertThat(printed(output)).contains("APPLICATION FAILED TO START")
                .contains("DurableStash has no configuration property of these names")
                .contains("'durable-stash.previous-secret' (set in '\"durable-stash.previous-secret\" from property "
                        + "source \"commandLineArgs\"'): did you mean durable-stash.previous-secrets?")
                .contains("'DURABLE_STASH_PREVIOUSSECRET' (set in 'System Environment Property "
                        + "\"DURABLE_STASH_PREVIOUSSECRET\"'): did you mean DURABLE_STASH_PREVIOUS_SECRETS "
                        + "(durable-stash.previous-secrets)?")
                .contains("Correct each name, or remove it")
                .doesNotContain(PREVIOUS);
    }

    /**
     * An endpoint with credentials written into its user info and a scheme the starter refuses: Spring Boot's
     * report printed the value it found in the environment, the secret access key with it.
     */
    @Test
    void anInvalidEndpointIsReportedWithoutItsUserInfo(CapturedOutput output) {
        assertThatThrownBy(() -> start("--durable-stash.secret=" + SECRET, "--durable-stash.storage.s3.bucket=stash",
                "--durable-stash.storage.s3.endpoint=s3://AKIAUSER:TopSecret42@127.0.0.1:1"));

        assertThat(printed(output)).contains("APPLICATION FAILED TO START")
                .contains("Invalid value 's3://127.0.0.1:1' (user info not shown) for configuration property "
                        + "'durable-stash.storage.s3.endpoint' (originating from "
                        + "'\"durable-stash.storage.s3.endpoint\" from property source \"commandLineArgs\"')")
                .contains("Reason: must be an absolute http or https URL with a host")
                .doesNotContain("TopSecret42");
    }

    @Test
    void anotherInvalidPropertyIsLeftToSpringBootsReportWithItsValue(CapturedOutput output) {
        assertThatThrownBy(() -> start("--durable-stash.secret=" + SECRET, "--durable-stash.ttl=0s"));

        assertThat(printed(output)).contains("APPLICATION FAILED TO START")
                .contains("Invalid value '0s' for configuration property 'durable-stash.ttl'");
    }

    /**
     * @return what the failed startup would have printed: the standard output and error, and every log
     *     event captured (their messages and stack traces)
     */
    private String printed(CapturedOutput output) {
        StringBuilder printed = new StringBuilder(output.toString());
        for (Level level : List.of(Level.ERROR, Level.WARN, Level.INFO, Level.DEBUG)) {
            for (ILoggingEvent event : logs.events(level)) {
                printed.append('\n').append(event.getFormattedMessage());
                if (event.getThrowableProxy() != null) {
                    printed.append('\n').append(ThrowableProxyUtil.asString(event.getThrowableProxy()));
                }
            }
        }
        return printed.toString();
    }

    private ConfigurableApplicationContext start(String... args) {
        return start(Map.of(), null, args);
    }

    private ConfigurableApplicationContext start(Map<String, Object> variables, @Nullable String file, String... args) {
        return start(variables, file, new Class<?>[] { Application.class }, args);
    }

    /**
     * @param variables environment variables, in place of the process's
     * @param file the lines of an application.properties, separated by {@code ;}, each name without its
     *     {@code durable-stash.} prefix, or {@code null} for none
     */
    private ConfigurableApplicationContext start(Map<String, Object> variables, @Nullable String file, Class<?>[] sources,
            String... args) {
        return start(environment(variables), file, sources, args);
    }

    /** @return an environment whose variables are {@code variables}, in place of the process's */
    private static StandardEnvironment environment(Map<String, Object> variables) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
        return environment;
    }

    private ConfigurableApplicationContext start(StandardEnvironment environment, @Nullable String file,
            Class<?>[] sources, String... args) {
        SpringApplication application = new SpringApplication(sources);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.setBannerMode(Banner.Mode.OFF);
        // Without Boot's logging system: it resets logback at each start after a failed one, which took the
        // capture of the failure report off its loggers (the report is logged all the same).
        application.setListeners(application.getListeners().stream()
                .filter((listener) -> !(listener instanceof LoggingApplicationListener)).toList());
        application.setEnvironment(environment);
        String[] all = concat(args, "--durable-stash.storage.filesystem.directory=" + directory);
        if (file != null) {
            try {
                Path config = Files.createDirectories(directory.resolve("config"));
                Files.writeString(config.resolve("application.properties"),
                        "durable-stash." + file.replace(";", "\ndurable-stash.") + "\n");
                all = concat(all, "--spring.config.additional-location=file:" + config + "/");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return application.run(all);
    }

    private static String[] concat(String[] args, String last) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = last;
        return all;
    }

    private static String rootReason(String reason) {
        return reason.startsWith("equals")
                ? "equals durable-stash.secret: in a rotation's first step the secret stays the old one and "
                        + "next-secret is the new one"
                : "contains the current secret: list only the secrets that durable-stash.secret replaced";
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(DurableStashAutoConfiguration.class)
    static class Application {
    }

    /** An application's own settings, made from the properties: the auto-configured ones back off. */
    @Configuration(proxyBeanMethods = false)
    static class OwnSettings {

        @Bean
        StashSettings stashSettings(DurableStashProperties properties) {
            return StashSettings.builder().secret(SECRET).previousSecrets(properties.getPreviousSecrets()).build();
        }
    }
}
