package dev.durablestash.spring.web.reactive.secure;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationSuccessHandler;
import org.springframework.security.web.server.authentication.logout.DelegatingServerLogoutHandler;
import org.springframework.security.web.server.authentication.logout.SecurityContextServerLogoutHandler;

import dev.durablestash.spring.web.reactive.EndBrowserSessionOnLogoutHandler;
import dev.durablestash.spring.web.reactive.RotateSidOnLoginSuccess;
import dev.durablestash.spring.web.reactive.testapp.FluxCounterController;

/** A WebFlux app with form login and logout wired to the starter's reactive login and logout handlers. */
@SpringBootApplication
@Import(FluxCounterController.class)
public class SecureFluxTestApplication {

    @Bean
    SecurityWebFilterChain securityChain(ServerHttpSecurity http) {
        return http
                .authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .formLogin(login -> login.authenticationSuccessHandler(
                        new RotateSidOnLoginSuccess(new RedirectServerAuthenticationSuccessHandler("/counter"))))
                .logout(logout -> logout.logoutHandler(new DelegatingServerLogoutHandler(
                        new SecurityContextServerLogoutHandler(), new EndBrowserSessionOnLogoutHandler())))
                .build();
    }

    @Bean
    MapReactiveUserDetailsService users() {
        return new MapReactiveUserDetailsService(User.withUsername("ada").password("{noop}secret").roles("USER").build(),
                User.withUsername("bob").password("{noop}bob-secret").roles("USER").build());
    }
}
