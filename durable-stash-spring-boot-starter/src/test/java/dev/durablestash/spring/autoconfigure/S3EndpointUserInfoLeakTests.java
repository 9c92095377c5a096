package dev.durablestash.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.durablestash.testsupport.ExpectedLogs;

/**
 * The starter keeps secrets out of its messages (S3StorageBackend.describe strips an endpoint's user
 * info; the access-key check passes "" as the value; UnknownPropertiesCheck never prints values), but an
 * endpoint whose scheme is wrong was echoed whole, user info (a secret key) included, into the startup error.
 * What Spring Boot's failure report prints is checked in SecretPropertyFailureAnalyzerTests.
 */
class S3EndpointUserInfoLeakTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt")
            .allow(Level.WARN, "could not check the compare-and-swap");

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DurableStashAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.s3.bucket=stash",
                    "durable-stash.secret=s3-store-check-tests-secret-0123456789abcdef");

    @Test
    void anEndpointWithAWrongSchemeFailsStartupWithoutPrintingTheSecretInItsUserInfo() {
        contextRunner.withPropertyValues("durable-stash.storage.s3.endpoint=s3://AKIAUSER:TopSecret42@127.0.0.1:1",
                "durable-stash.storage.s3.region=us-east-1", "durable-stash.operation-timeout=2s").run((context) -> {
                    String all = String.valueOf(logs.messages(Level.WARN))
                            + (context.getStartupFailure() == null ? "" : stack(context.getStartupFailure()));
                    assertThat(all).doesNotContain("TopSecret42");
                });
    }

    private static String stack(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c).append('\n');
        }
        return b.toString();
    }
}
