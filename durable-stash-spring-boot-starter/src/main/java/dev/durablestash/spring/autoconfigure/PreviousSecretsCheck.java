package dev.durablestash.spring.autoconfigure;

import java.util.ArrayList;
import java.util.HashSet;
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
import org.springframework.core.env.Environment;

/**
 * Fails startup on entries of {@code durable-stash.previous-secrets} that Spring Boot's binder leaves
 * out of the list without a word: the secrets they hold would be ignored, and after the deploy that
 * made them previous secrets no session stored under them would be found. Spring Boot reads the list
 * from the first source that gives it (the sources in their order: arguments, environment variables,
 * profile files, files) and looks no further; that source is checked, and every source before it. In
 * each, the entries are found by name, however spelled ({@code previousSecrets}, an environment
 * variable's {@code DURABLE_STASH_PREVIOUS_SECRETS_...}), and refused when
 * <ul>
 * <li>one is not an element of the list: under a name ({@code previous-secrets.old}, a YAML map where
 * the list belongs) or below an element ({@code previous-secrets[0].value});</li>
 * <li>the list is given as one value and as elements at once (the binder takes the value alone);</li>
 * <li>the binder, reading that source alone, finds fewer elements than it holds (a gap in dotted
 * indexes, {@code .00}, an environment variable spelled in a way the binder does not map to this
 * property). A gap in bracketed indexes ({@code [1]} without {@code [0]}) is left to Spring Boot, which
 * reports it.</li>
 * </ul>
 *
 * <p>Stateless; called once, at startup.
 */
final class PreviousSecretsCheck {

    static final String PROPERTY = "durable-stash.previous-secrets";
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
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (source instanceof IterableConfigurationPropertySource iterable && checkGives(iterable)) {
                return; // the list comes from this source: the binder looks no further
            }
        }
    }

    /** @return whether the binder takes the list from {@code source} */
    private static boolean checkGives(IterableConfigurationPropertySource source) {
        List<ConfigurationPropertyName> entries = new ArrayList<>();
        List<ConfigurationPropertyName> notElements = new ArrayList<>();
        List<ConfigurationPropertyName> elements = new ArrayList<>();
        source.stream().forEach((name) -> {
            int below = depthBelow(name);
            if (below >= 0) {
                entries.add(name);
                if (below == 1 && isIndex(name)) {
                    elements.add(name);
                } else if (below > 0) {
                    notElements.add(name);
                }
            }
        });
        if (entries.isEmpty()) {
            return false;
        }
        if (!notElements.isEmpty()) {
            throw new NotElements(whereSet(source, notElements), "an entry under a name (or below an element) is not "
                    + "an element of the list, and Spring Boot leaves it out without a word" + CONSEQUENCE);
        }
        boolean value = entries.size() > elements.size();
        if (value && !elements.isEmpty()) {
            throw new NotElements(whereSet(source, elements), "the list is given both as one value and as elements in "
                    + "the same place, and Spring Boot reads the value and leaves the elements out without a word"
                    + CONSEQUENCE);
        }
        if (value) {
            return true;
        }
        int read;
        try {
            read = new Binder(source).bind(PROPERTY, Bindable.listOf(String.class)).map(List::size).orElse(0);
        } catch (BindException e) {
            return true; // Spring Boot reports it (a gap in bracketed indexes) when it binds the properties
        }
        if (read < indexes(elements).size()) {
            throw new NotElements(whereSet(source, elements), "Spring Boot reads " + read + " of these "
                    + indexes(elements).size() + " elements and leaves the others out without a word (a gap in the "
                    + "indexes, an index such as 00, or an environment variable it does not read as this property)"
                    + CONSEQUENCE);
        }
        return read > 0;
    }

    /**
     * @return how many elements {@code name} has below {@value #PROPERTY}, however spelled: 0 for the
     *     property itself, -1 for a name that is not below it
     */
    static int depthBelow(ConfigurationPropertyName name) {
        StringBuilder spelled = new StringBuilder();
        for (int i = 0; i < name.getNumberOfElements(); i++) {
            spelled.append(name.getElement(i, Form.UNIFORM));
            if (spelled.length() >= SPELLED.length()) {
                return spelled.toString().equals(SPELLED) ? name.getNumberOfElements() - i - 1 : -1;
            }
        }
        return -1;
    }

    /** @return whether the last element of {@code name} is a number ({@code [0]}, {@code .0}, an environment variable's {@code _0}) */
    private static boolean isIndex(ConfigurationPropertyName name) {
        String text = name.getLastElement(Form.UNIFORM);
        return !text.isEmpty() && text.length() <= 9 && text.chars().allMatch((c) -> c >= '0' && c <= '9');
    }

    private static Set<Integer> indexes(List<ConfigurationPropertyName> elements) {
        Set<Integer> indexes = new HashSet<>();
        for (ConfigurationPropertyName element : elements) {
            indexes.add(Integer.parseInt(element.getLastElement(Form.UNIFORM)));
        }
        return indexes;
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
