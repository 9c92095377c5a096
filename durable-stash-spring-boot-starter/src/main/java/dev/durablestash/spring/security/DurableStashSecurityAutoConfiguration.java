package dev.durablestash.spring.security;

import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authentication.event.InteractiveAuthenticationSuccessEvent;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.spring.web.servlet.PrincipalResolver;
import dev.durablestash.spring.web.servlet.SidFilter;

/**
 * With Spring Security's web support in a servlet web application: the browser session's sid is
 * {@linkplain dev.durablestash.spring.web.servlet.BrowserSession#followPrincipal() made to follow the
 * principal} on every interactive login ({@link RotateSidOnLogin}, a listener of
 * {@link InteractiveAuthenticationSuccessEvent}: form login, remember-me, OAuth2 login...) and the
 * browser session {@linkplain dev.durablestash.spring.web.servlet.BrowserSession#end() ended} at every
 * logout ({@link EndBrowserSessionOnLogout}, a logout handler that a {@code Customizer<HttpSecurity>}
 * bean adds to the logout of every {@code SecurityFilterChain} built with Spring Security's
 * {@code HttpSecurity} bean, so it runs for every request that chain's logout filter takes as a
 * logout, with or without an authentication). Switch them off with
 * {@code durable-stash.security.rotate-on-login=false} and {@code durable-stash.security.end-on-logout=false}
 * (read as booleans, as {@link dev.durablestash.spring.autoconfigure.DurableStashProperties} reads them:
 * {@code off}, {@code no} and {@code 0} switch them off too).
 * The browser session is also bound to the principal of Spring Security's context
 * ({@link SecurityContextPrincipalResolver}): any login, also one that publishes no event (HTTP Basic,
 * bearer tokens, a programmatic login), rotates an anonymous sid when the principal first uses it, and
 * a sid bound to another principal is never used. Every bean backs off when the application defines
 * one of the same type; the logout handler added to the chains is then the application's.
 */
@AutoConfiguration(after = DurableStashServletAutoConfiguration.class)
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnClass({ InteractiveAuthenticationSuccessEvent.class, SecurityFilterChain.class, SidFilter.class })
@ConditionalOnBean(SidFilter.class)
public final class DurableStashSecurityAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PrincipalResolver durableStashPrincipalResolver() {
        return new SecurityContextPrincipalResolver();
    }

    @Bean
    @ConditionalOnMissingBean
    @Conditional(SecuritySwitches.RotateOnLogin.class)
    RotateSidOnLogin durableStashRotateSidOnLogin() {
        return new RotateSidOnLogin();
    }

    @Bean
    @ConditionalOnMissingBean
    @Conditional(SecuritySwitches.EndOnLogout.class)
    EndBrowserSessionOnLogout durableStashEndBrowserSessionOnLogout() {
        return new EndBrowserSessionOnLogout();
    }

    /** Puts the logout handler into the filter chains (Spring Security applies such beans to every {@code HttpSecurity}). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HttpSecurity.class)
    static class LogoutConfiguration {

        @Bean
        Customizer<HttpSecurity> durableStashEndBrowserSessionAtLogout(ObjectProvider<EndBrowserSessionOnLogout> handlers) {
            return (http) -> {
                List<EndBrowserSessionOnLogout> found = handlers.orderedStream().toList();
                if (!found.isEmpty()) {
                    http.logout((logout) -> found.forEach(logout::addLogoutHandler));
                }
            };
        }
    }
}
