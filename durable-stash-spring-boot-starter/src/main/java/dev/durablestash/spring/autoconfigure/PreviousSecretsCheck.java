package dev.durablestash.spring.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.CompositePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Fails startup on entries of {@code durable-stash.previous-secrets} that Spring Boot's binder leaves
 * out of the list without a word: the secrets they hold would be ignored, and after the deploy that
 * made them previous secrets no session stored under them would be found. The binder takes the list
 * from the first source (in their order: arguments, environment variables, profile files, files, ...)
 * that holds a value of the property itself, even an empty one, or at least its element {@code [0]},
 * and looks no further; that source is checked, and every source before it. In each, the entries are
 * found by name, however spelled ({@code previousSecrets}, an environment variable's
 * {@code DURABLE_STASH_PREVIOUS_SECRETS_...}), and refused when
 * <ul>
 * <li>one is not an element of the list: under a name ({@code previous-secrets.old}, a YAML map where
 * the list belongs) or below an element ({@code previous-secrets[0].value});</li>
 * <li>the binder, reading that source alone, takes fewer of them than there are: the list given twice
 * (under two spellings, or as a value and elements), a gap in dotted indexes, {@code .00}, an
 * environment variable spelled in a way the binder does not map to this property. A gap in bracketed
 * indexes ({@code [1]} without {@code [0]}) is left to Spring Boot, which reports it.</li>
 * </ul>
 * A source that cannot list its names (not iterable) is only read, as the binder reads it; the sources a
 * {@link CompositePropertySource} is made of are taken one by one; the environment variable
 * {@code DURABLE_STASH_PREVIOUS_SECRETS_FILE} (a container convention) is not an entry.
 *
 * <p>Stateless; called once, at startup.
 */
final class PreviousSecretsCheck {

    static final String PROPERTY = "durable-stash.previous-secrets";
    private static final ConfigurationPropertyName PROPERTY_NAME = ConfigurationPropertyName.of(PROPERTY);
    /** The property's name in lower case without its dots and dashes, as any source may spell it. */
    private static final String SPELLED = "durablestashprevioussecrets";
    private static final String CONSEQUENCE = ": their secrets would be ignored, and the sessions stored under them not"
            + " found once they are previous secrets";

    private PreviousSecretsCheck() {
    }

    /**
     * @throws NotElements naming where the entries left out are set (never their values: see
     *     {@link SecretPropertyFailureAnalyzer})
     */
    static void requireOnlyElements(Environment environment) {
        List<ConfigurationPropertySource> sources = new ArrayList<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            addEach(source, sources);
        }
        for (ConfigurationPropertySource source : sources) {
            if (checkGives(source)) {
                return; // the list comes from this source: the binder looks no further
            }
        }
    }

    /**
     * Adds {@code source}, or each of the sources a {@link CompositePropertySource} is made of, in their
     * order: one that overrides another inside it (a profile's list over a base list, as older Spring
     * Cloud Config clients combine them) is not the list given twice in one place.
     */
    static void addEach(ConfigurationPropertySource source, List<ConfigurationPropertySource> sources) {
        if (source.getUnderlyingSource() instanceof CompositePropertySource composite) {
            for (PropertySource<?> each : composite.getPropertySources()) {
                ConfigurationPropertySource adapted = ConfigurationPropertySource.from(each);
                if (adapted != null) {
                    addEach(adapted, sources);
                }
            }
        } else {
            sources.add(source);
        }
    }

    /**
     * Checks one source, as the binder reads it: a value of the property itself (even empty) gives the
     * list, else its elements from {@code [0]} on, as long as they run.
     *
     * @return whether the binder takes the list from {@code source}
     */
    private static boolean checkGives(ConfigurationPropertySource source) {
        // The entries with a value (a null holds no secret: the binder skips it, and so does this check).
        List<ConfigurationPropertyName> entries = List.of(); // a source that cannot list its names is only read
        if (source instanceof IterableConfigurationPropertySource iterable) {
            entries = iterable.stream().filter((name) -> depthBelow(name) >= 0 && !isFileVariable(source, name)
                    && source.getConfigurationProperty(name) != null).toList();
            if (entries.isEmpty()) {
                return false; // nothing the binder could read as the list (most sources of most applications)
            }
        }
        List<ConfigurationPropertyName> notElements = entries.stream()
                .filter((name) -> depthBelow(name) > 1 || (depthBelow(name) == 1 && !isIndex(name))).toList();
        if (!notElements.isEmpty()) {
            throw new NotElements(whereSet(source, notElements), "an entry under a name (or below an element) is not an "
                    + "element of the list, and Spring Boot leaves it out without a word" + CONSEQUENCE);
        }
        boolean value = source.getConfigurationProperty(PROPERTY_NAME) != null;
        int read;
        try {
            read = new Binder(source).bind(PROPERTY_NAME, Bindable.listOf(String.class)).map(List::size).orElse(0);
        } catch (BindException e) {
            return true; // Spring Boot reports it (a gap in bracketed indexes) when it binds the properties
        }
        int taken = value ? 1 : read;
        if (entries.size() > taken) {
            throw new NotElements(whereSet(source, entries), "Spring Boot takes " + (value ? "the single value"
                    : read + " element(s)") + " of these " + entries.size() + " entries and leaves the others out "
                    + "without a word (the list given twice in one place, under two spellings or as a value and "
                    + "elements; a gap in the indexes; an index such as 00; an environment variable it does not read "
                    + "as this property)" + CONSEQUENCE);
        }
        return value || read > 0;
    }

    /**
     * @return how many elements {@code name} has below {@value #PROPERTY}, however spelled: 0 for the
     *     property itself, -1 for a name that is not below it
     */
    private static int depthBelow(ConfigurationPropertyName name) {
        return depthBelow(name, SPELLED);
    }

    /**
     * @param spelled a name in lower case without its dots and dashes, as any source may spell it
     * @return how many elements {@code name} has below the name {@code spelled} is, however {@code name} spells
     *     it: 0 for that name itself, -1 for a name that is not below it
     */
    static int depthBelow(ConfigurationPropertyName name, String spelled) {
        StringBuilder squashed = new StringBuilder();
        for (int i = 0; i < name.getNumberOfElements(); i++) {
            squashed.append(name.getElement(i, Form.UNIFORM));
            if (squashed.length() >= spelled.length()) {
                return squashed.toString().equals(spelled) ? name.getNumberOfElements() - i - 1 : -1;
            }
        }
        return -1;
    }

    /** @return whether the last element of {@code name} is a number ({@code [0]}, {@code .0}, an environment variable's {@code _0}) */
    private static boolean isIndex(ConfigurationPropertyName name) {
        String text = name.getLastElement(Form.UNIFORM);
        return !text.isEmpty() && text.chars().allMatch((c) -> c >= '0' && c <= '9');
    }

    /**
     * @return whether {@code name} is an environment variable {@code DURABLE_STASH_PREVIOUS_SECRETS_FILE}
     *     (however spelled): by a container convention the path of a file a start script reads the secrets
     *     from, not an entry of the list
     */
    private static boolean isFileVariable(ConfigurationPropertySource source, ConfigurationPropertyName name) {
        return source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource && depthBelow(name) == 1
                && name.getLastElement(Form.UNIFORM).equals("file");
    }

    /** Where each entry is set: its origin as Spring Boot names it (a file and line, a variable's name), else its name. */
    private static List<String> whereSet(ConfigurationPropertySource source, List<ConfigurationPropertyName> names) {
        Set<String> origins = new LinkedHashSet<>();
        for (ConfigurationPropertyName name : names) {
            ConfigurationProperty property = source.getConfigurationProperty(name);
            origins.add(property != null && property.getOrigin() != null ? property.getOrigin().toString() : name.toString());
        }
        return List.copyOf(origins);
    }

    /** Entries of {@value #PROPERTY} that Spring Boot would leave out of the list. */
    static final class NotElements extends InvalidConfigurationPropertyValueException {

        private static final long serialVersionUID = 1L;

        static final String ACTION = "Give " + PROPERTY + " as one list in one place: a YAML list, " + PROPERTY
                + "[0]=..., [1]=... (from 0, without gaps), the environment variables DURABLESTASH_PREVIOUSSECRETS_0, "
                + "_1, ..., or all of the secrets in one comma-separated value.";

        private final transient List<String> origins;

        NotElements(List<String> origins, String reason) {
            super(PROPERTY, "******", reason);
            this.origins = origins;
        }

        /** @return where each entry left out is set, as Spring Boot names origins (no values) */
        List<String> origins() {
            return origins;
        }
    }
}
