package dev.durablestash.spring.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.security.authentication.event.InteractiveAuthenticationSuccessEvent;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;

import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.spring.web.servlet.PrincipalResolver;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;

class DurableStashSecurityAutoConfigurationTests {

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class, DurableStashAutoConfiguration.class,
                    DurableStashServletAutoConfiguration.class,
                    DurableStashSecurityAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @Test
    void withSpringSecurityTheSidIsRotatedAtLoginAndTheBrowserSessionEndedAtLogoutByDefault() {
        contextRunner.run((context) -> assertThat(context).hasSingleBean(RotateSidOnLogin.class)
                .hasSingleBean(EndBrowserSessionOnLogout.class));
    }

    @Test
    void withSpringSecurityTheBrowserSessionIsBoundToThePrincipalOfTheSecurityContext() {
        contextRunner.run((context) -> assertThat(context).getBean(PrincipalResolver.class)
                .isInstanceOf(SecurityContextPrincipalResolver.class));
        PrincipalResolver custom = (request) -> null;
        contextRunner.withBean(PrincipalResolver.class, () -> custom)
                .run((context) -> assertThat(context).getBean(PrincipalResolver.class).isSameAs(custom));
    }

    @Test
    void propertiesSwitchEachOff() {
        contextRunner.withPropertyValues("durable-stash.security.rotate-on-login=false").run((context) -> assertThat(context)
                .doesNotHaveBean(RotateSidOnLogin.class).hasSingleBean(EndBrowserSessionOnLogout.class));
        contextRunner.withPropertyValues("durable-stash.security.end-on-logout=false").run((context) -> assertThat(context)
                .hasSingleBean(RotateSidOnLogin.class).doesNotHaveBean(EndBrowserSessionOnLogout.class));
    }

    @Test
    void autoConfiguredListenersBackOffWhenTheApplicationDefinesThem() {
        RotateSidOnLogin rotate = new RotateSidOnLogin();
        contextRunner.withBean(RotateSidOnLogin.class, () -> rotate)
                .run((context) -> assertThat(context).getBean(RotateSidOnLogin.class).isSameAs(rotate));
    }

    @Test
    void withoutSpringSecurityThereIsNothingToListenTo() {
        contextRunner.withClassLoader(new FilteredClassLoader(InteractiveAuthenticationSuccessEvent.class))
                .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RotateSidOnLogin.class)
                        .doesNotHaveBean(EndBrowserSessionOnLogout.class).doesNotHaveBean(PrincipalResolver.class));
    }

    @Test
    void theLogoutHandlerIsAddedToTheFilterChainsByACustomizerOfHttpSecurity() {
        contextRunner.run((context) -> assertThat(context).getBeanNames(Customizer.class)
                .containsExactly("durableStashEndBrowserSessionAtLogout"));
    }

    @Test
    void withoutSpringSecuritysConfigurationSupportTheHandlerIsThereToBeAddedByHand() {
        contextRunner.withClassLoader(new FilteredClassLoader(HttpSecurity.class))
                .run((context) -> assertThat(context).hasNotFailed().hasSingleBean(EndBrowserSessionOnLogout.class)
                        .doesNotHaveBean(Customizer.class));
    }

    @Test
    void outsideAServletWebApplicationThereIsNoBrowserSession() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class, DurableStashAutoConfiguration.class,
                    DurableStashServletAutoConfiguration.class,
                        DurableStashSecurityAutoConfiguration.class))
                .withPropertyValues("durable-stash.storage.type=memory")
                .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RotateSidOnLogin.class));
    }
}
