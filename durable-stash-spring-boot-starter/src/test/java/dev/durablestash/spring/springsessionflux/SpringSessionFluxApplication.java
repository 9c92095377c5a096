package dev.durablestash.spring.springsessionflux;

import java.security.Principal;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationSuccessHandler;
import org.springframework.security.web.server.authentication.logout.DelegatingServerLogoutHandler;
import org.springframework.security.web.server.authentication.logout.SecurityContextServerLogoutHandler;
import org.springframework.session.ReactiveMapSessionRepository;
import org.springframework.session.config.annotation.web.server.EnableSpringWebSession;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.web.reactive.EndBrowserSessionOnLogoutHandler;
import dev.durablestash.spring.web.reactive.RotateSidOnLoginSuccess;

import reactor.core.publisher.Mono;

/**
 * A WebFlux application that already uses Spring Session ({@code ReactiveMapSessionRepository}
 * through {@code @EnableSpringWebSession}) and Spring Security's form login, wired to the starter's
 * login and logout handlers as docs/spring.md shows, and keeps a note both in a {@code WebSession}
 * attribute ({@code legacy}) and in a {@code @Stashed} field. CSRF is off so the tests can post
 * without a token.
 */
@SpringBootApplication
@EnableSpringWebSession
public class SpringSessionFluxApplication {

    @Bean
    ReactiveMapSessionRepository reactiveSessionRepository() {
        return new ReactiveMapSessionRepository(new ConcurrentHashMap<>());
    }

    @Bean
    SecurityWebFilterChain securityChain(ServerHttpSecurity http) {
        return http
                .authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .formLogin(login -> login.authenticationSuccessHandler(
                        new RotateSidOnLoginSuccess(new RedirectServerAuthenticationSuccessHandler("/note"))))
                .logout(logout -> logout.logoutHandler(new DelegatingServerLogoutHandler(
                        new SecurityContextServerLogoutHandler(), new EndBrowserSessionOnLogoutHandler())))
                .build();
    }

    @Bean
    MapReactiveUserDetailsService users() {
        return new MapReactiveUserDetailsService(
                User.withUsername("ada").password("{noop}ada-pw").roles("USER").build(),
                User.withUsername("bob").password("{noop}bob-pw").roles("USER").build());
    }

    @Controller
    @StashedView(name = "note")
    static class NoteController {

        @Stashed String note;

        @GetMapping("/note")
        @ResponseBody
        Mono<String> show(ServerWebExchange exchange) {
            return exchange.getPrincipal().map(Principal::getName).defaultIfEmpty("null")
                    .zipWith(exchange.getSession().map((s) -> Objects.toString(s.getAttribute("legacy"))))
                    .map((t) -> "note=" + note + ";legacy=" + t.getT2() + ";user=" + t.getT1());
        }

        @PostMapping("/note")
        @ResponseBody
        Mono<String> save(@RequestParam String note, ServerWebExchange exchange) {
            this.note = note;
            return exchange.getSession().doOnNext((s) -> s.getAttributes().put("legacy", note)).thenReturn("saved");
        }
    }
}
