package dev.durablestash.spring.autoconfigure;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a startup that fails on a secret property prints, through Spring Boot's own failure report (the
 * analysis it logs at ERROR): the property and the reason, never the value.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretPropertyFailureAnalyzerTests {

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

        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Invalid value for configuration property '" + name + "' (originating from "
                        + "'\"" + name + "\" from property source \"commandLineArgs\"')")
                .contains(reason)
                .doesNotContain(SECRET);
    }

    @Test
    void aSecretTooShortIsReportedWithoutItsValue(CapturedOutput output) {
        String tooShort = "my-production-hmac-secret-31byt";

        assertThatThrownBy(() -> start("--durable-stash.secret=" + tooShort));

        assertThat(output).contains("APPLICATION FAILED TO START")
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

        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Invalid value for configuration property 'durable-stash.previous-secrets'")
                .contains("[durable-stash.previous-secrets[1]] were left unbound")
                .contains("from property source \"commandLineArgs\"")
                .doesNotContain(previous);
    }

    @ParameterizedTest
    @CsvSource({ "durable-stash.previous-secrets.old", "durable-stash.previousSecrets.old" })
    void aNamedPreviousSecretFailsStartupWithoutItsValue(String property, CapturedOutput output) {
        // A YAML map under previous-secrets, or a name where an index belongs: Spring Boot's binder left the
        // list empty and said nothing, so after the deploy that made the secret previous no session stored
        // under it was found.
        String previous = "0ld-previous-production-secret-ABCDEFGHIJKLMNOP";

        assertThatThrownBy(() -> start("--durable-stash.secret=" + SECRET, "--" + property + "=" + previous))
                .hasRootCauseInstanceOf(UnboundConfigurationPropertiesException.class);

        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Invalid value for configuration property 'durable-stash.previous-secrets'")
                .contains("were left unbound")
                .contains("a named element (previous-secrets.old, a YAML map) is not one")
                .contains("from property source \"commandLineArgs\"")
                .doesNotContain(previous);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "durable-stash.previous-secrets=0ld-previous-production-secret-ABCDEFGHIJKLMNOP,0lder-previous-secret-ABCDEFGHIJKLMNOPQR | 2",
        "durable-stash.previous-secrets[0]=0ld-previous-production-secret-ABCDEFGHIJKLMNOP                                         | 1",
        "durable-stash.previous-secrets.0=0ld-previous-production-secret-ABCDEFGHIJKLMNOP                                          | 1",
    })
    void theFormsOfAListStillStart(String property, int secrets) {
        try (ConfigurableApplicationContext context = start("--durable-stash.secret=" + SECRET, "--" + property)) {
            assertThat(context.getBean(DurableStashProperties.class).getPreviousSecrets()).hasSize(secrets);
        }
    }

    @Test
    void anIndexedListOfPreviousSecretsNamesWhereItIsSet(CapturedOutput output) {
        assertThatThrownBy(() -> start("--durable-stash.secret=" + SECRET, "--durable-stash.previous-secrets[0]=" + SECRET));

        assertThat(output).contains("Invalid value for configuration property 'durable-stash.previous-secrets' "
                + "(originating from '\"durable-stash.previous-secrets[0]\" from property source \"commandLineArgs\"')")
                .doesNotContain(SECRET);
    }

    @Test
    void anotherInvalidPropertyIsLeftToSpringBootsReportWithItsValue(CapturedOutput output) {
        assertThatThrownBy(() -> start("--durable-stash.secret=" + SECRET, "--durable-stash.ttl=0s"));

        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("Invalid value '0s' for configuration property 'durable-stash.ttl'");
    }

    private ConfigurableApplicationContext start(String... args) {
        SpringApplication application = new SpringApplication(Application.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        return application.run(concat(args, "--durable-stash.storage.filesystem.directory=" + directory));
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
}
