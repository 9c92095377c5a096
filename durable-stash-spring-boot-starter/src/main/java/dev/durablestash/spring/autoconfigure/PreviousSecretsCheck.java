package dev.durablestash.spring.autoconfigure;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;

/**
 * Fails startup on a {@code durable-stash.previous-secrets} entry that is not an element of the list:
 * a named one ({@code previous-secrets.old=...}, a YAML map where the list belongs, an environment
 * variable {@code DURABLE_STASH_PREVIOUS_SECRETS_OLD}) or one below an element
 * ({@code previous-secrets[0].value}). Spring Boot's binder leaves such an entry out of the list without
 * a word, so the secret it holds would be ignored, and after the deploy that made it a previous secret
 * no session stored under it would be found. Only the names are looked at, in every source, however a
 * source that comes first replaces the list: an index ({@code [0]} or {@code .0}) is an element wherever
 * it is set. Gaps in the indexes are left to Spring Boot, which reports them (but not in the environment
 * variables it reads with underscores for dashes, such as {@code DURABLE_STASH_PREVIOUS_SECRETS_1} alone).
 *
 * <p>Stateless; called once, at startup.
 */
final class PreviousSecretsCheck {

    static final String PROPERTY = "durable-stash.previous-secrets";
    /** The property's name in lower case without its dots and dashes, as an environment variable may spell it. */
    private static final String SPELLED = "durablestashprevioussecrets";

    private PreviousSecretsCheck() {
    }

    /**
     * @throws NotElements naming where each entry that is not an element is set (never its value: see
     *     {@link SecretPropertyFailureAnalyzer})
     */
    static void requireOnlyElements(Environment environment) {
        Set<String> origins = new LinkedHashSet<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (source instanceof IterableConfigurationPropertySource iterable) {
                iterable.stream().filter(PreviousSecretsCheck::isNotAnElement)
                        .forEach((name) -> origins.add(whereSet(source, name)));
            }
        }
        if (!origins.isEmpty()) {
            throw new NotElements(List.copyOf(origins));
        }
    }

    /**
     * @return whether {@code name} is below {@value #PROPERTY}, however spelled ({@code previousSecrets},
     *     an environment variable's {@code DURABLE_STASH_PREVIOUS_SECRETS_...}), and is not one of its elements
     */
    static boolean isNotAnElement(ConfigurationPropertyName name) {
        StringBuilder spelled = new StringBuilder();
        for (int i = 0; i < name.getNumberOfElements(); i++) {
            spelled.append(name.getElement(i, Form.UNIFORM));
            if (spelled.length() >= SPELLED.length()) {
                int below = name.getNumberOfElements() - i - 1;
                return spelled.toString().equals(SPELLED) && below > 0 && !(below == 1 && isIndex(name, i + 1));
            }
        }
        return false;
    }

    private static boolean isIndex(ConfigurationPropertyName name, int element) {
        String text = name.getElement(element, Form.UNIFORM);
        return name.isNumericIndex(element) || (!text.isEmpty() && text.chars().allMatch(Character::isDigit));
    }

    /** Where an entry is set: its origin as Spring Boot names it, else its name. */
    private static String whereSet(ConfigurationPropertySource source, ConfigurationPropertyName name) {
        ConfigurationProperty property = source.getConfigurationProperty(name);
        return property != null && property.getOrigin() != null ? property.getOrigin().toString() : name.toString();
    }

    /** Entries of {@value #PROPERTY} that are not elements of the list. */
    static final class NotElements extends InvalidConfigurationPropertyValueException {

        private static final long serialVersionUID = 1L;

        static final String ACTION = "Name each previous secret by its index: a YAML list, " + PROPERTY + "[0]=... (or "
                + PROPERTY + ".0=...), the environment variable DURABLESTASH_PREVIOUSSECRETS_0, or all of them in one "
                + "comma-separated value.";

        private final transient List<String> origins;

        NotElements(List<String> origins) {
            super(PROPERTY, "******", "not an element of the list, so Spring Boot leaves it out without a word: its "
                    + "secret would be ignored, and the sessions stored under it not found once it is a previous secret");
            this.origins = origins;
        }

        /** @return where each entry that is not an element is set, as Spring Boot names origins (no values) */
        List<String> origins() {
            return origins;
        }
    }
}
