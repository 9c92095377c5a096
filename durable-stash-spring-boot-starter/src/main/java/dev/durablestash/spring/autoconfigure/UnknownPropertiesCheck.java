package dev.durablestash.spring.autoconfigure;

import java.beans.PropertyDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.PropertySourceOrigin;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import dev.durablestash.spring.health.DurableStashHealthProperties;

/**
 * Fails startup on a name under {@code durable-stash.} or {@code management.health.durable-stash.} that
 * is no property of the starter: Spring Boot's binder ignores such a name without a word, so a
 * misspelled {@code previous-secrets} lost every session at a secret rotation and a misplaced
 * {@code s3.bucket} ran on the local filesystem. A name is under a prefix however it is spelled
 * ({@code durableStash.x}, {@code durable.stash.x}, an environment variable {@code DURABLE_STASH_X} or
 * {@code DURABLESTASH_X}), and known when the binder reads it as a property of
 * {@link DurableStashProperties} or {@link DurableStashHealthProperties}, in any of the spellings it
 * accepts (relaxed binding; an environment variable exactly as Spring Boot maps it). Not refused:
 * <ul>
 * <li>a name of a group of properties ({@code durable-stash.storage}, YAML's empty {@code storage:}),
 * left to the binder, which fails on a value it cannot bind there;</li>
 * <li>{@code previous-secrets} and every name below it, which {@link PreviousSecretsCheck} checks (it
 * runs first);</li>
 * <li>an environment variable of a property with {@code _FILE} appended (a container convention: the
 * path of a file a start script reads the value from);</li>
 * <li>a name whose value is null (it sets nothing), and the names of a source that cannot list them;</li>
 * <li>an environment variable named as Kubernetes names the variables it sets in every pod of a namespace
 * for each Service there ({@code <SERVICE>_SERVICE_HOST}, {@code _SERVICE_PORT[_<PORT NAME>]},
 * {@code _PORT[_<port>_<TCP|UDP|SCTP>[_PROTO|_PORT|_ADDR]]}): a Service named {@code durable-stash-demo}
 * gives {@code DURABLE_STASH_DEMO_SERVICE_HOST} whatever the application wants, so it is logged at
 * {@code WARN} instead.</li>
 * </ul>
 * Every source is checked, also one that a source before it overrides: a misspelled name is a mistake
 * wherever it is. Spring Boot's own check ({@code ignoreUnknownFields = false}) is not used: its report
 * prints the value (a misspelled secret would be logged) and it misses environment variables of the
 * form {@code DURABLE_STASH_...}.
 *
 * <p>Stateless; called once, at startup.
 */
final class UnknownPropertiesCheck {

    /** The starter's property classes, each with its prefix. */
    private static final List<Prefix> PREFIXES = List.of(new Prefix("durable-stash", DurableStashProperties.class),
            new Prefix("management.health.durable-stash", DurableStashHealthProperties.class));

    private static final String FILE_SUFFIX = "_FILE";

    /** The names of the variables Kubernetes sets for each Service of a namespace (its "service links"). */
    private static final Pattern SERVICE_LINK = Pattern.compile(
            "[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)");

    private static final Logger log = LoggerFactory.getLogger(DurableStashAutoConfiguration.class);

    private UnknownPropertiesCheck() {
    }

    /**
     * @throws UnknownProperties naming each name that is no property, where it is set and the nearest
     *     property (never its value: it may be a secret)
     */
    static void requireKnownNames(Environment environment) {
        List<ConfigurationPropertySource> sources = new ArrayList<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            PreviousSecretsCheck.addEach(source, sources);
        }
        List<Unknown> unknown = new ArrayList<>();
        List<Unknown> serviceLinks = new ArrayList<>();
        for (ConfigurationPropertySource source : sources) {
            if (source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource variables) {
                checkVariables(variables, unknown, serviceLinks);
            } else if (source instanceof IterableConfigurationPropertySource iterable) {
                iterable.stream().forEach((name) -> check(iterable, name, unknown));
            }
        }
        if (!unknown.isEmpty()) {
            throw new UnknownProperties(unknown);
        }
        if (!serviceLinks.isEmpty()) {
            log.warn("DurableStash has no property of these environment variables' names, so Spring Boot ignores them "
                    + "(they are not refused: Kubernetes sets variables so named for a Service whose name starts with "
                    + "durable-stash, in every pod of its namespace; rename that Service if you can): {}",
                    String.join("; ", serviceLinks.stream().map(Unknown::describe).toList()));
        }
    }

    private static void check(ConfigurationPropertySource source, ConfigurationPropertyName name,
            List<Unknown> unknown) {
        for (Prefix prefix : PREFIXES) {
            if (prefix.depthBelow(name) > 0 && !prefix.isKnown(name)) {
                ConfigurationProperty property = source.getConfigurationProperty(name);
                if (property != null) {
                    unknown.add(new Unknown(asWritten(source, name), origin(property.getOrigin()),
                            prefix.nearest(name, false)));
                }
            }
        }
    }

    /** @return {@code name} as its source spells it ({@code previousSecret}), else as Spring Boot does */
    private static String asWritten(ConfigurationPropertySource source, ConfigurationPropertyName name) {
        if (source.getUnderlyingSource() instanceof EnumerablePropertySource<?> enumerable) {
            for (String written : enumerable.getPropertyNames()) {
                if (name.equals(ConfigurationPropertyName.adapt(written, '.'))) {
                    return written;
                }
            }
        }
        return name.toString();
    }

    /**
     * Checks environment variables one by one, by their names (Spring Boot maps one variable to several
     * names and several variables to one name): a variable is known when the binder, given that variable
     * alone, finds a property in it. An unknown one goes to {@code unknown}, unless it is named as Kubernetes
     * names the variables of a Service ({@code serviceLinks}).
     */
    private static void checkVariables(SystemEnvironmentPropertySource variables, List<Unknown> unknown,
            List<Unknown> serviceLinks) {
        for (String variable : variables.getPropertyNames()) {
            String squashed = variable.toLowerCase(Locale.ROOT).replace("_", "");
            if (PREFIXES.stream().noneMatch((prefix) -> squashed.startsWith(prefix.spelled))) {
                continue; // most variables of most environments: nothing of the starter
            }
            IterableConfigurationPropertySource alone = alone(variables.getName(), variable);
            ConfigurationPropertyName name = alone.stream().findFirst().orElse(null);
            if (name == null || variables.getProperty(variable) == null) {
                continue;
            }
            for (Prefix prefix : PREFIXES) {
                if (prefix.depthBelow(name) > 0 && !prefix.isKnownIn(alone, name) && !isFileOfKnown(variables, variable,
                        prefix)) {
                    (SERVICE_LINK.matcher(variable).matches() ? serviceLinks : unknown).add(new Unknown(variable,
                            origin(PropertySourceOrigin.get(variables, variable)), prefix.nearest(name, true)));
                }
            }
        }
    }

    /** @return whether {@code variable} is {@code X_FILE} where {@code X} is a variable of a property */
    private static boolean isFileOfKnown(SystemEnvironmentPropertySource variables, String variable, Prefix prefix) {
        if (!variable.toUpperCase(Locale.ROOT).endsWith(FILE_SUFFIX)) {
            return false;
        }
        IterableConfigurationPropertySource alone = alone(variables.getName(),
                variable.substring(0, variable.length() - FILE_SUFFIX.length()));
        ConfigurationPropertyName name = alone.stream().findFirst().orElse(null);
        return name != null && prefix.isKnownIn(alone, name);
    }

    /** @return {@code variable} alone in a source of environment variables named {@code sourceName} */
    private static IterableConfigurationPropertySource alone(String sourceName, String variable) {
        return (IterableConfigurationPropertySource) ConfigurationPropertySource
                .from(new SystemEnvironmentPropertySource(sourceName, Map.of(variable, "x")));
    }

    private static @Nullable String origin(@Nullable Origin origin) {
        return origin != null ? origin.toString() : null;
    }

    /** @return the edit distance of {@code a} and {@code b} (insertions, deletions, substitutions) */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /**
     * A prefix and the names of its properties class: the properties (leaves), each with whether it is a
     * list, and the groups between them.
     */
    private static final class Prefix {

        private final ConfigurationPropertyName root;
        /** The prefix in lower case without its dots and dashes, as any source may spell it. */
        private final String spelled;
        private final List<ConfigurationPropertyName> properties = new ArrayList<>();
        private final List<ConfigurationPropertyName> lists = new ArrayList<>();
        private final List<ConfigurationPropertyName> groups = new ArrayList<>();

        Prefix(String prefix, Class<?> type) {
            this.root = ConfigurationPropertyName.of(prefix);
            this.spelled = squashed(root, 0);
            collect(root, type, type);
        }

        /** Collects the names the binder binds on {@code type}: setters, and getters of nested groups. */
        private void collect(ConfigurationPropertyName parent, Class<?> type, Class<?> outer) {
            for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(type)) {
                Class<?> propertyType = descriptor.getPropertyType();
                if (descriptor.getReadMethod() == null || propertyType == null
                        || descriptor.getName().equals("class")) {
                    continue;
                }
                ConfigurationPropertyName name = parent
                        .append(DataObjectPropertyName.toDashedForm(descriptor.getName()));
                if (descriptor.getWriteMethod() != null) {
                    properties.add(name);
                    if (Collection.class.isAssignableFrom(propertyType) || propertyType.isArray()) {
                        lists.add(name);
                    }
                } else if (propertyType.getEnclosingClass() == outer && !propertyType.isEnum()) {
                    groups.add(name);
                    collect(name, propertyType, outer);
                }
            }
        }

        /**
         * @return how many elements {@code name} has below this prefix, however spelled: 0 for the prefix
         *     itself, -1 for a name that is not below it
         */
        int depthBelow(ConfigurationPropertyName name) {
            return PreviousSecretsCheck.depthBelow(name, spelled);
        }

        /** @return whether the binder reads {@code name} (of a source other than the environment's variables) */
        boolean isKnown(ConfigurationPropertyName name) {
            return properties.contains(name) || groups.stream().anyMatch((group) -> group.equals(name))
                    || isOfList(name);
        }

        /** @return whether the binder reads a property from {@code alone}, which holds {@code name} alone */
        boolean isKnownIn(ConfigurationPropertySource alone, ConfigurationPropertyName name) {
            return isOfList(name) || properties.stream().anyMatch((property) -> alone.getConfigurationProperty(property)
                    != null);
        }

        /** @return whether {@code name} is a list or below one, however spelled: {@link PreviousSecretsCheck}'s */
        private boolean isOfList(ConfigurationPropertyName name) {
            String squashedName = squashed(name, 0);
            for (ConfigurationPropertyName list : lists) {
                String squashedList = squashed(list, 0);
                if (squashedName.equals(squashedList) || (squashedName.startsWith(squashedList)
                        && startsAtElement(name, squashedList.length()))) {
                    return true;
                }
            }
            return false;
        }

        /** @return whether an element of {@code name} starts {@code length} characters into its squashed form */
        private static boolean startsAtElement(ConfigurationPropertyName name, int length) {
            int at = 0;
            for (int i = 0; i < name.getNumberOfElements() && at < length; i++) {
                at += name.getElement(i, Form.UNIFORM).length();
            }
            return at == length;
        }

        /**
         * @return the property nearest to {@code name} ("did you mean"), as an environment variable (and the
         *     property) when {@code variable}, or {@code null} when none is near
         */
        @Nullable String nearest(ConfigurationPropertyName name, boolean variable) {
            String below = squashed(name, name.getNumberOfElements() - depthBelow(name));
            ConfigurationPropertyName best = null;
            int bestScore = Integer.MAX_VALUE;
            String last = name.getLastElement(Form.UNIFORM);
            for (ConfigurationPropertyName property : properties) {
                String candidate = squashed(property, root.getNumberOfElements());
                int distance = distance(below, candidate);
                // Near: a slip of a few letters, or the name written without its group (s3.bucket, directory).
                boolean near = distance <= Math.max(2, below.length() / 3) || (below.length() >= 3
                        && candidate.endsWith(below)) || (last.length() >= 3 && last.equals(property.getLastElement(
                                Form.UNIFORM)));
                if (near && distance < bestScore) {
                    best = property;
                    bestScore = distance;
                }
            }
            if (best == null) {
                return null;
            }
            return variable ? best.toString().toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_') + " ("
                    + best + ")" : best.toString();
        }

        /** @return the uniform elements of {@code name} from {@code from} on, run together */
        private static String squashed(ConfigurationPropertyName name, int from) {
            StringBuilder squashed = new StringBuilder();
            for (int i = Math.max(0, from); i < name.getNumberOfElements(); i++) {
                squashed.append(name.getElement(i, Form.UNIFORM));
            }
            return squashed.toString();
        }
    }

    /**
     * A name that is no property.
     *
     * @param name the name as its source has it (an environment variable's name)
     * @param origin where it is set, as Spring Boot names origins, or {@code null} when unknown
     * @param nearest the nearest property, or {@code null} when none is near
     */
    record Unknown(String name, @Nullable String origin, @Nullable String nearest) {

        /** @return the name, where it is set and the nearest property, on one line (no value) */
        String describe() {
            return "'" + name + "'" + (origin == null ? "" : " (set in '" + origin + "')")
                    + (nearest == null ? ": no property of DurableStash is near it"
                            : ": did you mean " + nearest + "?");
        }
    }

    /** Names under the starter's prefixes that are no property: Spring Boot would ignore them without a word. */
    static final class UnknownProperties extends IllegalStateException {

        private static final long serialVersionUID = 1L;

        static final String ACTION = "Correct each name, or remove it: the properties are listed in the README's "
                + "\"Configuration properties\" and in docs/spring.md. Values are not shown: they may be secrets.";

        private final transient List<Unknown> unknown;

        UnknownProperties(List<Unknown> unknown) {
            super("DurableStash has no property of these names, which Spring Boot would ignore without a word: "
                    + String.join("; ", unknown.stream().map(Unknown::describe).toList()));
            this.unknown = List.copyOf(unknown);
        }

        /** @return the names that are no property, in the order of their sources */
        List<Unknown> unknown() {
            return unknown;
        }
    }
}
