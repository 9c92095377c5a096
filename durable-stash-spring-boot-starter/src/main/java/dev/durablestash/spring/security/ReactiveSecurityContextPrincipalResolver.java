package dev.durablestash.spring.security;

import java.util.Objects;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.ReactiveSecurityContextHolder;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.spring.web.reactive.ReactivePrincipalResolver;

import reactor.core.publisher.Mono;

/**
 * The principal of Spring Security WebFlux's security context, read from the Reactor context
 * ({@link ReactiveSecurityContextHolder#getContext()}) on every subscription: the name of an
 * authenticated {@link Authentication} (remember-me included), empty for none or an anonymous one
 * (Spring Security WebFlux's anonymous authentication is an authentication, but not an authenticated
 * one). Any login is seen this way, also the ones that run no success handler of the starter (HTTP
 * Basic, bearer tokens, a programmatic login written to the Reactor context). While a user impersonates
 * another (switch-user), the principal is the one who switched. The reactive counterpart of
 * {@link SecurityContextPrincipalResolver}.
 *
 * <p>The security context is in the Reactor context only downstream of Spring Security's
 * {@code WebFilterChainProxy}: the starter asks the resolver from inside the exchange's processing
 * (the handler, the login success handler, the stash before the commit), never from the sid filter
 * itself, which runs before Spring Security.
 *
 * <p>Use the constructor that takes a function to name principals by something else than
 * {@link Authentication#getName()}, e.g. a user id that survives a rename.
 *
 * <p>Thread-safe; never blocks.
 */
public final class ReactiveSecurityContextPrincipalResolver implements ReactivePrincipalResolver {

    private final PrincipalNames names;

    /** Names principals by {@link Authentication#getName()}. */
    public ReactiveSecurityContextPrincipalResolver() {
        this(Authentication::getName);
    }

    /**
     * @param names the name of an authenticated principal (never called for an anonymous or missing
     *     one); {@code null} treats it as anonymous
     */
    public ReactiveSecurityContextPrincipalResolver(Function<Authentication, @Nullable String> names) {
        this.names = new PrincipalNames(Objects.requireNonNull(names, "names"));
    }

    @Override
    public Mono<String> principalName(ServerWebExchange exchange) {
        return ReactiveSecurityContextHolder.getContext().mapNotNull(SecurityContext::getAuthentication)
                .mapNotNull(names::of);
    }
}
