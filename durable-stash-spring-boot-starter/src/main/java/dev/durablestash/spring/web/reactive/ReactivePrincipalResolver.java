package dev.durablestash.spring.web.reactive;

import java.security.Principal;

import org.springframework.web.server.ServerWebExchange;

import reactor.core.publisher.Mono;

/**
 * Tells which authenticated principal a WebFlux exchange acts for, so that its
 * {@link ReactiveBrowserSession} is bound to it: a sid issued to an anonymous browser is rotated when an
 * authenticated exchange first uses it, and a sid bound to one principal is never used by another (see
 * {@link dev.durablestash.core.SessionCookieValues}). The reactive counterpart of the servlet
 * {@code PrincipalResolver}.
 *
 * <p>By default {@link #EXCHANGE_PRINCIPAL}; with Spring Security WebFlux the starter uses its reactive
 * security context instead ({@code ReactiveSecurityContextPrincipalResolver}; anonymous authentication
 * counts as no principal). Define a bean of this type to change how principals are told apart, e.g. by
 * a user id that survives a rename.
 *
 * <p>Implementations must be thread-safe, cheap and must not block. The returned {@code Mono} is
 * subscribed inside the exchange's processing (in the handler, the login success handler, before a
 * stash), so it sees the Reactor context of the web filters that run before the handler, such as
 * Spring Security's.
 */
@FunctionalInterface
public interface ReactivePrincipalResolver {

    /**
     * The name of {@link ServerWebExchange#getPrincipal()} of the exchange as the sid filter saw it:
     * a principal set by a web filter that runs after the sid filter (on a mutated exchange) is not
     * seen, nor is the anonymous authentication of Spring Security told apart; define another
     * resolver then.
     */
    ReactivePrincipalResolver EXCHANGE_PRINCIPAL = exchange -> exchange.getPrincipal().map(Principal::getName);

    /**
     * @param exchange the exchange, as the sid filter saw it
     * @return a {@code Mono} of a name that identifies the authenticated principal the exchange acts
     *     for, empty when it is anonymous; it should not fail (a failure fails what asked for the sid)
     */
    Mono<String> principalName(ServerWebExchange exchange);
}
