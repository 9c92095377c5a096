package dev.durablestash.spring.web.reactive.fluxbinding;

import java.util.concurrent.CompletableFuture;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.ReactiveSecurityContextHolder;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationSuccessHandler;
import org.springframework.security.web.server.authentication.logout.DelegatingServerLogoutHandler;
import org.springframework.security.web.server.authentication.logout.RedirectServerLogoutSuccessHandler;
import org.springframework.security.web.server.authentication.logout.SecurityContextServerLogoutHandler;
import org.springframework.security.web.server.context.WebSessionServerSecurityContextRepository;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.web.reactive.EndBrowserSessionOnLogoutHandler;
import dev.durablestash.spring.web.reactive.ReactiveBrowserSession;
import dev.durablestash.spring.web.reactive.RotateSidOnLoginSuccess;

import reactor.core.publisher.Mono;

/**
 * A Spring Security WebFlux app for attacking the principal binding: form login (wired to the starter's
 * login handler), HTTP Basic, and a logout wired to the starter's logout handler. CSRF is off so tests
 * can post.
 */
@SpringBootApplication
public class FluxBindingTestApplication {

    /** Completed when a slow exchange reached its handler. */
    static volatile CompletableFuture<Void> slowEntered = new CompletableFuture<>();
    /** Completing it lets the slow exchange answer. */
    static volatile CompletableFuture<Void> slowRelease = new CompletableFuture<>();

    @Bean
    SecurityWebFilterChain securityChain(ServerHttpSecurity http) {
        RedirectServerLogoutSuccessHandler toNotes = new RedirectServerLogoutSuccessHandler();
        toNotes.setLogoutSuccessUrl(java.net.URI.create("/notes"));
        return http
                .authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(Customizer.withDefaults())
                .formLogin(login -> login.authenticationSuccessHandler(
                        new RotateSidOnLoginSuccess(new RedirectServerAuthenticationSuccessHandler("/notes"))))
                .logout(logout -> logout.logoutHandler(new DelegatingServerLogoutHandler(
                        new SecurityContextServerLogoutHandler(), new EndBrowserSessionOnLogoutHandler()))
                        .logoutSuccessHandler(toNotes))
                .build();
    }

    @Bean
    MapReactiveUserDetailsService users() {
        return new MapReactiveUserDetailsService(
                User.withUsername("ada").password("{noop}ada-pw").roles("USER").build(),
                User.withUsername("bob").password("{noop}bob-pw").roles("USER").build());
    }

    /** A non-atomic view holding one note. */
    @RestController
    @StashedView(name = "notes", atomic = false)
    static class NotesView {

        @Stashed
        String note;

        @GetMapping("/notes")
        String show() {
            return "note=" + note;
        }

        @PostMapping("/notes")
        String save(@RequestParam String note) {
            this.note = note;
            return "saved";
        }

        /**
         * A programmatic login in a stashed view: saves ada's security context, makes the browser session
         * follow her (in her context: the exchange's own Reactor context stays anonymous), then sets the note.
         */
        @PostMapping("/notes/login-as-ada")
        Mono<String> loginAsAdaAndSave(@RequestParam String note, ServerWebExchange exchange) {
            SecurityContext ada = new SecurityContextImpl(UsernamePasswordAuthenticationToken.authenticated("ada", null,
                    AuthorityUtils.createAuthorityList("ROLE_USER")));
            return new WebSessionServerSecurityContextRepository().save(exchange, ada)
                    .then(ReactiveBrowserSession.of(exchange).followPrincipal()
                            .contextWrite(ReactiveSecurityContextHolder.withSecurityContext(Mono.just(ada))))
                    .then(Mono.fromSupplier(() -> {
                        this.note = note;
                        return "saved";
                    }));
        }

        /**
         * A programmatic login in a stashed view that leaves following the principal to the starter: saves
         * ada's security context in the web session, as a login form of the application's own would, then
         * sets the note.
         */
        @PostMapping("/notes/login-as-ada-implicitly")
        Mono<String> loginAsAdaImplicitlyAndSave(@RequestParam String note, ServerWebExchange exchange) {
            SecurityContext ada = new SecurityContextImpl(UsernamePasswordAuthenticationToken.authenticated("ada", null,
                    AuthorityUtils.createAuthorityList("ROLE_USER")));
            return new WebSessionServerSecurityContextRepository().save(exchange, ada).then(Mono.fromSupplier(() -> {
                this.note = note;
                return "saved";
            }));
        }

        /** Sets the note, then waits (without blocking) until a test releases the exchange. */
        @PostMapping("/notes/slow")
        Mono<String> saveSlowly(@RequestParam String note) {
            this.note = note;
            slowEntered.complete(null);
            return Mono.fromFuture(slowRelease).then(Mono.fromSupplier(() -> "saved"));
        }
    }
}
