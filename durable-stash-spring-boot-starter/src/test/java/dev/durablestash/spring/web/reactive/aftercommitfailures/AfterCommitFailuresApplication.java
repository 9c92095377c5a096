package dev.durablestash.spring.web.reactive.aftercommitfailures;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.WebSessionServerSecurityContextRepository;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.web.reactive.ReactiveBrowserSession;
import dev.durablestash.spring.web.reactive.ReactiveStash;
import dev.durablestash.spring.web.reactive.aftercommit.ExchangeEndedHook;
import dev.durablestash.spring.web.reactive.aftercommit.AfterCommitTestApplication.GatedStorage;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The WebFlux commit and end of an exchange: reuses the gated storage of AfterCommitTestApplication. */
@SpringBootApplication
public class AfterCommitFailuresApplication {

    public static final Map<String, ServerWebExchange> EXCHANGES = new ConcurrentHashMap<>();
    public static volatile CompletableFuture<Void> proceed1 = new CompletableFuture<>();
    public static volatile CompletableFuture<Void> proceed2 = new CompletableFuture<>();

    public static CompletableFuture<Void> ended(String path) {
        return ExchangeEndedHook.ended(path);
    }

    public static void reset() {
        EXCHANGES.clear();
        ExchangeEndedHook.clear();
        proceed1 = new CompletableFuture<>();
        proceed2 = new CompletableFuture<>();
    }

    @Bean
    SecurityWebFilterChain securityChain(ServerHttpSecurity http) {
        return http.authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
                .csrf(ServerHttpSecurity.CsrfSpec::disable).build();
    }

    @Bean
    GatedStorage gatedStorage() {
        return new GatedStorage();
    }

    @Bean
    WebFilter endedHook() {
        return new ExchangeEndedHook();
    }

    /** A state class recovered only by a functional route. */
    public static class LateNotes {

        @dev.durablestash.spring.Stashed
        java.util.List<String> items = new java.util.ArrayList<>();
    }

    @Bean
    org.springframework.web.reactive.function.server.RouterFunction<org.springframework.web.reactive.function.server.ServerResponse> lateRoutes(
            dev.durablestash.spring.web.reactive.StashedRoutes stashes) {
        return org.springframework.web.reactive.function.server.RouterFunctions.route()
                .GET("/rf/show", request -> stashes.recover(request, LateNotes.class)
                        .flatMap(n -> org.springframework.web.reactive.function.server.ServerResponse.ok()
                                .bodyValue("items=" + n.items)))
                // First bound after the commit; its recover fails (storage GET error); the handler then changes it
                // and stashes it explicitly, waiting, telling the client the outcome.
                .GET("/rf/late-bind-stash", request -> {
                    Flux<String> body = Flux.just("first\n").concatWith(Mono.defer(() -> stashes.handle(request,
                            LateNotes.class).flatMap(h -> {
                                ((LateNotes) h.target()).items.add("late");
                                return h.stash().thenReturn("stashed " + h.recovery().status() + "\n")
                                        .onErrorResume(e -> Mono.just("stash failed " + h.recovery().status() + "\n"));
                            })));
                    return org.springframework.web.reactive.function.server.ServerResponse.ok()
                            .contentType(MediaType.TEXT_PLAIN).body(body, String.class);
                })
                .build();
    }

    @RestController
    @StashedView(name = "rv-counter", atomic = false)
    public static class Counter {

        @Stashed
        int count;

        @GetMapping("/rv")
        String show() {
            return "count=" + count;
        }

        @PostMapping("/rv/bump")
        String bump() {
            count++;
            return "count=" + count;
        }

        /** Second element: a fire-and-forget reset; third (after proceed1): a fire-and-forget stash; fourth: proceed2. */
        @GetMapping(value = "/rv/stream-reset-stash", produces = MediaType.TEXT_PLAIN_VALUE)
        Flux<String> streamResetStash(ReactiveStash stash, ServerWebExchange exchange) {
            EXCHANGES.put("stream-reset-stash", exchange);
            return Flux.just("first\n")
                    .concatWith(Mono.fromSupplier(() -> {
                        stash.reset().subscribe(v -> { }, e -> { });
                        return "resetting\n";
                    }))
                    .concatWith(Mono.fromFuture(() -> proceed1).then(Mono.fromSupplier(() -> {
                        stash.stash().subscribe(v -> { }, e -> { });
                        return "stashing\n";
                    })))
                    .concatWith(Mono.fromFuture(() -> proceed2).thenReturn("done\n"));
        }

        /** Second element: a change stashed and WAITED for; its failure is caught and told to the client. */
        @GetMapping(value = "/rv/stream-caught", produces = MediaType.TEXT_PLAIN_VALUE)
        Flux<String> streamCaught(ReactiveStash stash, ServerWebExchange exchange) {
            EXCHANGES.put("stream-caught", exchange);
            return Flux.just("first\n")
                    .concatWith(Mono.defer(() -> {
                        count++;
                        return stash.stash().thenReturn("saved\n")
                                .onErrorResume(e -> Mono.just("NOT saved, the client is told\n"));
                    }));
        }

        /** An awaited reset, anonymous, no login. */
        @PostMapping("/rv/reset")
        Mono<String> reset(ReactiveStash stash) {
            return stash.reset().then(Mono.fromSupplier(() -> "count=" + count));
        }

        /** end() then reset(). */
        @PostMapping("/rv/end-reset")
        Mono<String> endReset(ReactiveStash stash, ServerWebExchange exchange) {
            return ReactiveBrowserSession.of(exchange).end().then(stash.reset()).thenReturn("ended");
        }

        /** A programmatic login, then an awaited reset, then a new value. */
        @PostMapping("/rv/login-reset")
        Mono<String> loginReset(ReactiveStash stash, ServerWebExchange exchange) {
            SecurityContextImpl ada = new SecurityContextImpl(UsernamePasswordAuthenticationToken.authenticated("ada",
                    null, AuthorityUtils.createAuthorityList("ROLE_USER")));
            return new WebSessionServerSecurityContextRepository().save(exchange, ada).then(stash.reset())
                    .then(Mono.fromSupplier(() -> {
                        count = 77;
                        return "count=" + count;
                    }));
        }
    }

    /** Notes-like view for login tests. */
    @RestController
    @StashedView(name = "rv-login", atomic = false)
    public static class LoginCounter {

        @Stashed
        int count;

        @GetMapping("/rl")
        String show() {
            return "count=" + count;
        }

        @PostMapping("/rl/bump")
        String bump() {
            count++;
            return "count=" + count;
        }

        /** Login, then "start over" fired and forgotten (as the docs allow: fields at defaults at once), then 77. */
        @PostMapping("/rl/login-reset-forget")
        Mono<String> loginResetForget(ReactiveStash stash, ServerWebExchange exchange) {
            EXCHANGES.put("login-reset-forget", exchange);
            SecurityContextImpl ada = new SecurityContextImpl(UsernamePasswordAuthenticationToken.authenticated("ada",
                    null, AuthorityUtils.createAuthorityList("ROLE_USER")));
            return new WebSessionServerSecurityContextRepository().save(exchange, ada).then(Mono.fromSupplier(() -> {
                stash.reset().subscribe(v -> { }, e -> { });
                count = 77;
                return "count=" + count;
            }));
        }

        /** Login, then (in parallel) "start over" and the new value: docs say reset() puts the fields back at once. */
        @PostMapping("/rl/login-when")
        Mono<String> loginWhen(ReactiveStash stash, ServerWebExchange exchange) {
            SecurityContextImpl ada = new SecurityContextImpl(UsernamePasswordAuthenticationToken.authenticated("ada",
                    null, AuthorityUtils.createAuthorityList("ROLE_USER")));
            return new WebSessionServerSecurityContextRepository().save(exchange, ada)
                    .then(Mono.when(stash.reset(), Mono.fromRunnable(() -> count = 77)))
                    .then(Mono.fromSupplier(() -> "count=" + count));
        }

        /** Diagnostics: the sid before and after an awaited reset that follows a login. */
        @PostMapping("/rl/login-reset-sids")
        Mono<String> loginResetSids(ReactiveStash stash, ServerWebExchange exchange) {
            SecurityContextImpl ada = new SecurityContextImpl(UsernamePasswordAuthenticationToken.authenticated("ada",
                    null, AuthorityUtils.createAuthorityList("ROLE_USER")));
            ReactiveBrowserSession session = ReactiveBrowserSession.of(exchange);
            return session.sid().flatMap(before -> new WebSessionServerSecurityContextRepository().save(exchange, ada)
                    .then(stash.reset()).then(session.sid()).map(after -> "changed=" + !before.equals(after)));
        }

        /** Control: the same without a login (anonymous). */
        @PostMapping("/rl/anon-when")
        Mono<String> anonWhen(ReactiveStash stash) {
            return Mono.when(stash.reset(), Mono.fromRunnable(() -> count = 77))
                    .then(Mono.fromSupplier(() -> "count=" + count));
        }

        /** "Start over" fired and forgotten BEFORE the login, then the login, then 77. */
        @PostMapping("/rl/reset-forget-login")
        Mono<String> resetForgetLogin(ReactiveStash stash, ServerWebExchange exchange) {
            EXCHANGES.put("reset-forget-login", exchange);
            stash.reset().subscribe(v -> { }, e -> { });
            SecurityContextImpl ada = new SecurityContextImpl(UsernamePasswordAuthenticationToken.authenticated("ada",
                    null, AuthorityUtils.createAuthorityList("ROLE_USER")));
            return new WebSessionServerSecurityContextRepository().save(exchange, ada).then(Mono.fromSupplier(() -> {
                count = 77;
                return "count=" + count;
            }));
        }
    }

    @RestController
    @StashedView(name = "rv-atomic")
    public static class AtomicCounter {

        @Stashed
        int count;

        @GetMapping("/rv/atomic")
        String show() {
            return "count=" + count;
        }

        @PostMapping("/rv/atomic/bump")
        String bump() {
            count++;
            return "count=" + count;
        }

        /** Bound before the commit, changed, then a stream that stays open until proceed2. */
        @PostMapping(value = "/rv/atomic/stream", produces = MediaType.TEXT_PLAIN_VALUE)
        Flux<String> stream(ServerWebExchange exchange) {
            EXCHANGES.put("atomic-stream", exchange);
            count++;
            return Flux.just("first count=" + count + "\n").concatWith(Mono.fromFuture(() -> proceed2).thenReturn("done\n"));
        }
    }
}
