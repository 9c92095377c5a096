package dev.durablestash.spring.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Reports an invalid secret property of the starter (the sid's HMAC secrets, the S3 secret access key)
 * without its value. Spring Boot's own analyses of an {@link InvalidConfigurationPropertyValueException}
 * and of a {@link BindException} print the value they find in the environment, whatever the exception
 * says, so a slip in a secret rotation ({@code next-secret} equal to {@code secret}, an indexed
 * {@code previous-secrets[1]} without a {@code [0]}) would write a valid secret to the log. This analyzer
 * runs before them and handles these properties and their elements, and the S3 endpoint, whose user info
 * may hold credentials: an endpoint the starter refuses is shown as its exception gives it, without user
 * info. Other properties are left to Spring Boot.
 *
 * <p><b>Thread-safety:</b> used once, on the thread that reports the startup failure.
 */
final class SecretPropertyFailureAnalyzer implements FailureAnalyzer, Ordered {

    /** The starter's properties whose values are secrets (and the elements of the list among them). */
    static final Set<String> SECRET_PROPERTIES = Set.of("durable-stash.secret", "durable-stash.previous-secrets",
            "durable-stash.next-secret", "durable-stash.storage.s3.secret-access-key");

    /** A property whose value may hold a secret in part: an endpoint's user info. */
    static final String ENDPOINT = "durable-stash.storage.s3.endpoint";

    private final @Nullable Environment environment;

    SecretPropertyFailureAnalyzer(@Nullable Environment environment) {
        this.environment = environment;
    }

    @Override
    public @Nullable FailureAnalysis analyze(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof PreviousSecretsCheck.NotElements notElements) {
                return leftOut(notElements);
            }
            if (cause instanceof InvalidConfigurationPropertyValueException invalid && isSecret(invalid.getName())) {
                return analysis(invalid.getName(), invalid.getReason(), origins(invalid.getName()), invalid);
            }
            if (cause instanceof InvalidConfigurationPropertyValueException invalid && isEndpoint(invalid.getName())) {
                return endpointAnalysis(invalid, origins(invalid.getName()));
            }
            if (cause instanceof BindException bind && isSecret(bind.getName().toString())) {
                // Never the cause's message: a conversion failure quotes the value.
                return analysis(bind.getName().toString(), reason(bind), origins(bind), bind);
            }
        }
        return null;
    }

    private static FailureAnalysis analysis(String name, String reason, List<String> origins, Throwable cause) {
        String description = "Invalid value for configuration property '" + name + "'"
                + (origins.isEmpty() ? "" : " (originating from " + String.join(", ", origins) + ")")
                + ": the value is a secret and is not shown." + System.lineSeparator() + System.lineSeparator()
                + "Reason: " + reason;
        return new FailureAnalysis(description, "Review the value of " + name + " with the reason above.", cause);
    }

    /** The value as the starter's exception gives it: without the user info Spring Boot's report would print. */
    private static FailureAnalysis endpointAnalysis(InvalidConfigurationPropertyValueException invalid,
            List<String> origins) {
        String description = "Invalid value '" + invalid.getValue() + "' (user info not shown) for configuration "
                + "property '" + invalid.getName() + "'"
                + (origins.isEmpty() ? "" : " (originating from " + String.join(", ", origins) + ")") + "."
                + System.lineSeparator() + System.lineSeparator() + "Reason: " + invalid.getReason();
        return new FailureAnalysis(description, "Review the value of " + invalid.getName() + " with the reason above.",
                invalid);
    }

    /** The list's entries are at fault, not a value: where they are set, and how to give the list. */
    private static FailureAnalysis leftOut(PreviousSecretsCheck.NotElements notElements) {
        String description = "Configuration property '" + notElements.getName() + "' has entries Spring Boot would leave "
                + "out of the list, set at " + String.join(", ", notElements.origins().stream()
                        .map((origin) -> "'" + origin + "'").toList())
                + " (their values are secrets and are not shown)." + System.lineSeparator() + System.lineSeparator()
                + "Reason: " + notElements.getReason();
        return new FailureAnalysis(description, PreviousSecretsCheck.NotElements.ACTION, notElements);
    }

    /** @return whether {@code name} is a secret property or an element of one */
    static boolean isSecret(String name) {
        ConfigurationPropertyName property = ConfigurationPropertyName.adapt(name, '.');
        for (String secret : SECRET_PROPERTIES) {
            ConfigurationPropertyName secretName = ConfigurationPropertyName.of(secret);
            if (secretName.equals(property) || secretName.isAncestorOf(property)) {
                return true;
            }
        }
        return false;
    }

    /** @return whether {@code name} is the S3 endpoint's */
    static boolean isEndpoint(String name) {
        return ConfigurationPropertyName.of(ENDPOINT).equals(ConfigurationPropertyName.adapt(name, '.'));
    }

    private static String reason(BindException bind) {
        if (bind.getCause() instanceof UnboundConfigurationPropertiesException unbound) {
            List<String> names = new ArrayList<>();
            for (ConfigurationProperty property : unbound.getUnboundProperties()) {
                names.add(property.getName().toString());
            }
            return "the elements " + names + " were left unbound: a list's indexed elements start at [0], "
                    + "without gaps";
        }
        return "it could not be bound to " + bind.getTarget().getType();
    }

    /** @return where a bind failure's property, or its unbound elements, are set (no values) */
    private List<String> origins(BindException bind) {
        List<String> found = new ArrayList<>();
        if (bind.getCause() instanceof UnboundConfigurationPropertiesException unbound) {
            for (ConfigurationProperty property : unbound.getUnboundProperties()) {
                if (property.getOrigin() != null) {
                    found.add("'" + property.getOrigin() + "'");
                }
            }
        } else if (bind.getProperty() != null && bind.getProperty().getOrigin() != null) {
            found.add("'" + bind.getProperty().getOrigin() + "'");
        }
        return found;
    }

    /**
     * @return where the property is set, as Spring Boot names the origins of property values (no values):
     *     under its name, or else its first indexed element (a list)
     */
    private List<String> origins(String name) {
        List<String> found = originsOf(ConfigurationPropertyName.of(name));
        return found.isEmpty() ? originsOf(ConfigurationPropertyName.of(name + "[0]")) : found;
    }

    private List<String> originsOf(ConfigurationPropertyName property) {
        List<String> found = new ArrayList<>();
        if (environment == null) {
            return found;
        }
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            ConfigurationProperty value = source.getConfigurationProperty(property);
            if (value != null && value.getOrigin() != null) {
                found.add("'" + value.getOrigin() + "'");
            }
        }
        return found;
    }

    /** Before Spring Boot's analyzers, which are unordered: its analyses of the same exceptions print values. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
