package com.example.reactive;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationSuccessHandler;
import org.springframework.security.web.server.authentication.logout.DelegatingServerLogoutHandler;
import org.springframework.security.web.server.authentication.logout.SecurityContextServerLogoutHandler;

import dev.durablestash.spring.web.reactive.EndBrowserSessionOnLogoutHandler;
import dev.durablestash.spring.web.reactive.RotateSidOnLoginSuccess;

@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {
  @Bean
  SecurityWebFilterChain securityChain(ServerHttpSecurity http) {
    return http
        .authorizeExchange(exchanges -> exchanges.anyExchange().authenticated())
        .formLogin(login -> login.authenticationSuccessHandler(        // the sid is rotated at login
            new RotateSidOnLoginSuccess(new RedirectServerAuthenticationSuccessHandler("/"))))
        .logout(logout -> logout.logoutHandler(new DelegatingServerLogoutHandler(
            new SecurityContextServerLogoutHandler(),
            new EndBrowserSessionOnLogoutHandler())))                  // the browser session ends at logout
        .build();
  }
}
