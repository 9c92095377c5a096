package dev.durablestash.spring.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Reports an invalid secret property of the starter (the sid's HMAC secrets, the S3 secret access key)
 * without its value. Spring Boot's own analysis of an {@link InvalidConfigurationPropertyValueException}
 * prints the value it finds in the environment, whatever the exception says, so a slip in a secret
 * rotation (say, {@code next-secret} equal to {@code secret}) would write a valid secret to the log;
 * this analyzer runs before it and handles these properties. Other properties are left to Spring Boot.
 *
 * <p><b>Thread-safety:</b> used once, on the thread that reports the startup failure.
 */
final class SecretPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidConfigurationPropertyValueException>
        implements Ordered {

    /** The starter's properties whose values are secrets. */
    static final Set<String> SECRET_PROPERTIES = Set.of("durable-stash.secret", "durable-stash.previous-secrets",
            "durable-stash.next-secret", "durable-stash.storage.s3.secret-access-key");

    private final @Nullable Environment environment;

    SecretPropertyFailureAnalyzer(@Nullable Environment environment) {
        this.environment = environment;
    }

    @Override
    protected @Nullable FailureAnalysis analyze(Throwable rootFailure, InvalidConfigurationPropertyValueException cause) {
        String name = cause.getName();
        if (!SECRET_PROPERTIES.contains(name)) {
            return null;
        }
        List<String> origins = origins(name);
        String description = "Invalid value for configuration property '" + name + "'"
                + (origins.isEmpty() ? "" : " (originating from " + String.join(", ", origins) + ")")
                + ": the value is a secret and is not shown." + System.lineSeparator() + System.lineSeparator()
                + "Reason: " + cause.getReason();
        return new FailureAnalysis(description, "Review the value of " + name + " with the reason above.", cause);
    }

    /** @return where the property is set, as Spring Boot names the origins of property values (no values) */
    private List<String> origins(String name) {
        List<String> found = new ArrayList<>();
        if (environment == null) {
            return found;
        }
        ConfigurationPropertyName property = ConfigurationPropertyName.of(name);
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            ConfigurationProperty value = source.getConfigurationProperty(property);
            if (value != null && value.getOrigin() != null) {
                found.add("'" + value.getOrigin() + "'");
            }
        }
        return found;
    }

    /** Before Spring Boot's analyzers, which are unordered: its analysis of the same exception prints values. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
