package dev.durablestash.spring.web.reactive;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.ReactiveSecurityContextHolder;
import org.springframework.security.web.server.WebFilterExchange;
import org.springframework.security.web.server.authentication.logout.ServerLogoutHandler;

import reactor.core.publisher.Mono;

/**
 * Spring Security WebFlux: ends the browser session at logout (its state is removed and the cookie
 * cleared), so the next user of a shared computer never sees the previous user's state. The reactive
 * counterpart of the servlet {@code EndBrowserSessionOnLogout} handler; wire it into the logout next to
 * the security context's own handler, for example
 * {@code http.logout(logout -> logout.logoutHandler(new DelegatingServerLogoutHandler(
 * new SecurityContextServerLogoutHandler(), new EndBrowserSessionOnLogoutHandler())))}.
 *
 * <p>It ends the session the exchange's sid cookie names, unless that session is bound to another
 * principal than the one logging out (a cookie copied from another user's browser): then only the
 * cookie is cleared. A storage failure does not fail the logout: the cookie is cleared anyway and the state expires
 * with the TTL.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class EndBrowserSessionOnLogoutHandler implements ServerLogoutHandler {

    private static final Logger log = LoggerFactory.getLogger(EndBrowserSessionOnLogoutHandler.class);

    @Override
    public Mono<Void> logout(WebFilterExchange exchange, @Nullable Authentication authentication) {
        ReactiveBrowserSession session = ReactiveBrowserSession.find(exchange.getExchange());
        if (session == null) {
            return Mono.empty();
        }
        Mono<Void> end = session.end();
        if (authentication != null) {
            // The principal of the logout, as the principal resolver sees it, also after the security context's
            // own handler cleared it: a session bound to another principal is not this logout's to end.
            end = end.contextWrite(ReactiveSecurityContextHolder.withAuthentication(authentication));
        }
        return end.onErrorResume(e -> {
            log.warn("Could not remove the browser session's state at logout (the cookie is cleared; the state "
                    + "expires with the TTL): {}", e.toString());
            return Mono.empty();
        });
    }
}
