package dev.durablestash.spring.web.reactive.followprincipal;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.WebSessionServerSecurityContextRepository;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.web.reactive.aftercommit.AfterCommitTestApplication.GatedStorage;
import dev.durablestash.spring.web.reactive.aftercommit.ExchangeEndedHook;
import dev.durablestash.spring.security.ReactiveSecurityContextPrincipalResolver;
import dev.durablestash.spring.web.reactive.ReactiveBrowserSession;
import dev.durablestash.spring.web.reactive.ReactivePrincipalResolver;
import dev.durablestash.spring.web.reactive.StashedRoutes;

import reactor.core.publisher.Mono;

/**
 * An app for resets and moves of a browser session's state after a login (ReactiveStash.reset() following
 * the principal, a cancelled follow, rotate() beside end(), two first resolutions at once), with functional routes
 * over three state classes, the gated storage of AfterCommitTestApplication, and a principal resolver that counts
 * its answers.
 */
@SpringBootApplication
public class FollowPrincipalApplication {

    public static final Map<String, ServerWebExchange> EXCHANGES = new ConcurrentHashMap<>();
    /** How many times the principal resolver answered "ada" (each followPrincipal() of a logged-in exchange asks once). */
    public static final AtomicInteger ADA_RESOLUTIONS = new AtomicInteger();
    /** Completed as /f/login-reset-end subscribes to end(). */
    public static volatile CompletableFuture<Void> ending = new CompletableFuture<>();
    /** Completing it cancels the follow of /m/login-follow-cancelled (as a timeout or a takeUntil of the handler would). */
    public static volatile CompletableFuture<Void> cancelFollow = new CompletableFuture<>();
    /** Completing it lets /m/rotate-end subscribe to end(). */
    public static volatile CompletableFuture<Void> endNow = new CompletableFuture<>();
    /** The gate /m/rotate-end arms for rotate()'s stash of the bound views. */
    public static volatile CompletableFuture<GatedStorage.Gate> rotateStashGate = new CompletableFuture<>();

    public static CompletableFuture<Void> ended(String path) {
        return ExchangeEndedHook.ended(path);
    }

    public static void clear() {
        EXCHANGES.clear();
        ExchangeEndedHook.clear();
        ADA_RESOLUTIONS.set(0);
        ending = new CompletableFuture<>();
        cancelFollow = new CompletableFuture<>();
        endNow = new CompletableFuture<>();
        rotateStashGate = new CompletableFuture<>();
    }

    public static class Cart {
        @Stashed
        int count;
    }

    public static class Profile {
        @Stashed
        int count;
    }

    public static class Third {
        @Stashed
        int count;
    }

    @Bean
    SecurityWebFilterChain securityChain(ServerHttpSecurity http) {
        return http.authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
                .csrf(ServerHttpSecurity.CsrfSpec::disable).build();
    }

    @Bean
    ReactivePrincipalResolver countingResolver() {
        ReactivePrincipalResolver delegate = new ReactiveSecurityContextPrincipalResolver();
        return exchange -> delegate.principalName(exchange).doOnNext(name -> {
            if ("ada".equals(name)) {
                ADA_RESOLUTIONS.incrementAndGet();
            }
        });
    }

    @Bean
    GatedStorage holdingStorage() {
        return new GatedStorage();
    }

    @Bean
    WebFilter endedHook() {
        return new ExchangeEndedHook();
    }

    private static Mono<Void> login(ServerWebExchange exchange) {
        SecurityContextImpl ada = new SecurityContextImpl(UsernamePasswordAuthenticationToken.authenticated("ada", null,
                AuthorityUtils.createAuthorityList("ROLE_USER")));
        return new WebSessionServerSecurityContextRepository().save(exchange, ada);
    }

    @Bean
    RouterFunction<ServerResponse> routes(StashedRoutes stashes, GatedStorage storage) {
        return RouterFunctions.route()
                .GET("/f/cart", r -> stashes.recover(r, Cart.class).flatMap(c -> ServerResponse.ok().bodyValue("count=" + c.count)))
                .POST("/f/cart/bump", r -> stashes.recover(r, Cart.class).flatMap(c -> ServerResponse.ok().bodyValue("count=" + ++c.count)))
                .GET("/f/profile", r -> stashes.recover(r, Profile.class).flatMap(c -> ServerResponse.ok().bodyValue("count=" + c.count)))
                .POST("/f/profile/bump", r -> stashes.recover(r, Profile.class).flatMap(c -> ServerResponse.ok().bodyValue("count=" + ++c.count)))
                .GET("/f/third", r -> stashes.recover(r, Third.class).flatMap(c -> ServerResponse.ok().bodyValue("count=" + c.count)))
                .POST("/f/third/bump", r -> stashes.recover(r, Third.class).flatMap(c -> ServerResponse.ok().bodyValue("count=" + ++c.count)))
                // A login, then "start the cart over" and "save the profile" together.
                .POST("/f/login-reset-cart-stash-profile", r -> {
                    EXCHANGES.put("login-reset-cart-stash-profile", r.exchange());
                    return stashes.handle(r, Cart.class).zipWith(stashes.handle(r, Profile.class)).flatMap(both -> {
                        ((Profile) both.getT2().target()).count++;
                        return login(r.exchange()).then(Mono.when(both.getT1().reset(), both.getT2().stash()));
                    }).then(ServerResponse.ok().bodyValue("ok"));
                })
                // A login, then "start the cart over" and end the browser session together.
                .POST("/f/login-reset-end", r -> {
                    EXCHANGES.put("login-reset-end", r.exchange());
                    return stashes.handle(r, Cart.class).flatMap(cart -> login(r.exchange())
                            .then(Mono.when(cart.reset(), Mono.defer(() -> {
                                ending.complete(null);
                                return ReactiveBrowserSession.of(r.exchange()).end();
                            }))))
                            .then(ServerResponse.ok().bodyValue("ended"));
                })
                // A login, then an awaited reset (for the client-goes-away test).
                .POST("/f/login-reset", r -> {
                    EXCHANGES.put("login-reset", r.exchange());
                    return stashes.handle(r, Cart.class).flatMap(cart -> login(r.exchange()).then(cart.reset()))
                            .then(ServerResponse.ok().bodyValue("reset"));
                })
                // A login that touches no view (the browser keeps its anonymous sid cookie and gets a SESSION cookie).
                .POST("/m/login-only", r -> login(r.exchange()).then(ServerResponse.ok().bodyValue("in")))
                // A login; the handler's own follow is given up (cancelled) before it landed; then the cart changes.
                .POST("/m/login-follow-cancelled", r -> {
                    EXCHANGES.put("login-follow-cancelled", r.exchange());
                    return stashes.handle(r, Cart.class).flatMap(cart -> login(r.exchange())
                            .then(ReactiveBrowserSession.of(r.exchange()).followPrincipal()
                                    .takeUntilOther(Mono.fromFuture(cancelFollow)))
                            .then(Mono.fromRunnable(() -> ((Cart) cart.target()).count++)))
                            .then(ServerResponse.ok().bodyValue("ok"));
                })
                // rotate() and end() together (anonymous): the cart has changes, so rotate() stashes first (held).
                .POST("/m/rotate-end", r -> {
                    EXCHANGES.put("rotate-end", r.exchange());
                    ReactiveBrowserSession session = ReactiveBrowserSession.of(r.exchange());
                    return stashes.handle(r, Cart.class).flatMap(cart -> {
                        ((Cart) cart.target()).count++;
                        rotateStashGate.complete(storage.holdNextPutNotTo("-no-such-key-"));
                        return Mono.when(session.rotate(), Mono.fromFuture(endNow).then(Mono.defer(session::end)));
                    }).then(ServerResponse.ok().bodyValue("ended"));
                })
                // Two views handled together by an exchange that is logged in while its sid cookie is anonymous.
                .POST("/m/zip-bump", r -> {
                    EXCHANGES.put("zip-bump", r.exchange());
                    return stashes.handle(r, Cart.class).zipWith(stashes.handle(r, Profile.class)).flatMap(both -> {
                        ((Cart) both.getT1().target()).count++;
                        ((Profile) both.getT2().target()).count++;
                        return ServerResponse.ok().bodyValue("ok");
                    });
                })
                // A login whose follow the handler gives up (cancelled) while the move runs, then answers with no view.
                .POST("/r/login-follow-cancelled-noview", r -> {
                    EXCHANGES.put("noview", r.exchange());
                    return login(r.exchange()).then(ReactiveBrowserSession.of(r.exchange()).followPrincipal()
                            .takeUntilOther(Mono.fromFuture(cancelFollow)))
                            .then(ServerResponse.ok().bodyValue("ok"));
                })
                .build();
    }
}
