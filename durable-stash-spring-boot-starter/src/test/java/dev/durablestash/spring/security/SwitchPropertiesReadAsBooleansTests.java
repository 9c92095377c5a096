package dev.durablestash.spring.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashProperties;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;

/**
 * {@code durable-stash.security.end-on-logout} is a boolean property: Spring Boot binds {@code on},
 * {@code yes} and {@code 1} to {@code true} (so {@link DurableStashProperties} says the logout listener
 * is on), and {@code maybe} fails startup. But the listener's bean is conditional on the property's
 * text being exactly {@code true}: with any other value that means true, the browser session silently
 * outlives the logout. The same holds for {@code rotate-on-login} and for
 * {@code storage.filesystem.sweep.enabled}.
 */
class SwitchPropertiesReadAsBooleansTests {

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                    DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                    DurableStashSecurityAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @ParameterizedTest
    @ValueSource(strings = { "on", "yes", "1" })
    void aValueSpringBootReadsAsTrueKeepsTheLogoutListener(String value) {
        contextRunner.withPropertyValues("durable-stash.security.end-on-logout=" + value).run((context) -> {
            assertThat(context.getBean(DurableStashProperties.class).getSecurity().isEndOnLogout()).isTrue();
            assertThat(context).hasSingleBean(EndBrowserSessionOnLogout.class);
        });
    }
}
