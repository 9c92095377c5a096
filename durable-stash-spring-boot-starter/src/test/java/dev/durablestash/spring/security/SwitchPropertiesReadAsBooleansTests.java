package dev.durablestash.spring.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import dev.durablestash.core.ExpirySweeper;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashProperties;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * The starter's on/off properties ({@code durable-stash.security.rotate-on-login},
 * {@code durable-stash.security.end-on-logout}, {@code durable-stash.storage.filesystem.sweep.enabled})
 * are booleans: Spring Boot binds {@code true}, {@code on}, {@code yes} and {@code 1} (in any case) to
 * {@code true}, and {@code false}, {@code off}, {@code no} and {@code 0} to {@code false}, so that is what
 * {@link DurableStashProperties} says. The bean each one switches is there exactly when the bound
 * property is {@code true} (also when it is not set), and a value Spring Boot cannot read as a boolean
 * fails startup naming the property.
 */
class SwitchPropertiesReadAsBooleansTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context");

    private static final String SECRET = "a-secret-of-at-least-thirty-two-bytes!!";

    @TempDir
    static Path directory;

    /** A switch, the bean it removes when off, and how {@link DurableStashProperties} reads it. */
    enum Switch {
        ROTATE_ON_LOGIN("durable-stash.security.rotate-on-login", RotateSidOnLogin.class,
                (properties) -> properties.getSecurity().isRotateOnLogin()),
        END_ON_LOGOUT("durable-stash.security.end-on-logout", EndBrowserSessionOnLogout.class,
                (properties) -> properties.getSecurity().isEndOnLogout()),
        SWEEP("durable-stash.storage.filesystem.sweep.enabled", ExpirySweeper.class,
                (properties) -> properties.getStorage().getFilesystem().getSweep().isEnabled());

        final String property;
        final Class<?> bean;
        final Predicate<DurableStashProperties> bound;

        Switch(String property, Class<?> bean, Predicate<DurableStashProperties> bound) {
            this.property = property;
            this.bean = bean;
            this.bound = bound;
        }

        WebApplicationContextRunner contextRunner() {
            WebApplicationContextRunner runner = new WebApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                            DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                            DurableStashSecurityAutoConfiguration.class));
            return this == SWEEP
                    ? runner.withPropertyValues("durable-stash.storage.type=filesystem", "durable-stash.secret=" + SECRET,
                            "durable-stash.storage.filesystem.directory=" + directory)
                    : runner.withPropertyValues("durable-stash.storage.type=memory");
        }
    }

    static Stream<Arguments> valuesReadAsTrue() {
        return everySwitchWith("true", "TRUE", "on", "On", "yes", "1");
    }

    static Stream<Arguments> valuesReadAsFalse() {
        return everySwitchWith("false", "False", "off", "OFF", "no", "0");
    }

    @ParameterizedTest
    @MethodSource("valuesReadAsTrue")
    void aValueSpringBootReadsAsTrueKeepsTheBean(Switch theSwitch, String value) {
        theSwitch.contextRunner().withPropertyValues(theSwitch.property + "=" + value).run((context) -> {
            assertThat(theSwitch.bound.test(context.getBean(DurableStashProperties.class))).isTrue();
            assertThat(context).hasSingleBean(theSwitch.bean);
        });
    }

    @ParameterizedTest
    @MethodSource("valuesReadAsFalse")
    void aValueSpringBootReadsAsFalseRemovesTheBean(Switch theSwitch, String value) {
        theSwitch.contextRunner().withPropertyValues(theSwitch.property + "=" + value).run((context) -> {
            assertThat(theSwitch.bound.test(context.getBean(DurableStashProperties.class))).isFalse();
            assertThat(context).doesNotHaveBean(theSwitch.bean);
        });
    }

    @ParameterizedTest
    @EnumSource(Switch.class)
    void anUnsetSwitchIsOn(Switch theSwitch) {
        theSwitch.contextRunner().run((context) -> {
            assertThat(theSwitch.bound.test(context.getBean(DurableStashProperties.class))).isTrue();
            assertThat(context).hasSingleBean(theSwitch.bean);
        });
    }

    @ParameterizedTest
    @EnumSource(Switch.class)
    void aValueThatIsNoBooleanFailsStartupNamingTheProperty(Switch theSwitch) {
        logs.expect(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");
        theSwitch.contextRunner().withPropertyValues(theSwitch.property + "=maybe").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining(theSwitch.property)
                    .hasStackTraceContaining("maybe");
        });
    }

    private static Stream<Arguments> everySwitchWith(String... values) {
        return Stream.of(Switch.values())
                .flatMap((theSwitch) -> Stream.of(values).map((value) -> Arguments.of(theSwitch, value)));
    }
}
