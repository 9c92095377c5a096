package dev.durablestash.spring.web.reactive;

import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.security.core.Authentication;
import org.springframework.security.web.server.WebFilterExchange;
import org.springframework.security.web.server.authentication.ServerAuthenticationSuccessHandler;

import reactor.core.publisher.Mono;

/**
 * Spring Security WebFlux: rotates the browser session's sid when a login succeeds (the state moves
 * to a sid nobody else can know), then hands on to the application's own success handler. The reactive
 * counterpart of the servlet {@code RotateSidOnLogin} listener: Spring Security's WebFlux logins publish
 * no event, so wire it into the login, for example
 * {@code http.formLogin(login -> login.authenticationSuccessHandler(new RotateSidOnLoginSuccess(
 * new RedirectServerAuthenticationSuccessHandler("/"))))}.
 *
 * <p>Should the state not move (storage down), the browser gets a new, empty session rather than keep
 * the old sid; the login itself succeeds.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class RotateSidOnLoginSuccess implements ServerAuthenticationSuccessHandler {

    private static final Logger log = LoggerFactory.getLogger(RotateSidOnLoginSuccess.class);

    private final ServerAuthenticationSuccessHandler delegate;

    /** @param delegate what the login does next, such as a redirect */
    public RotateSidOnLoginSuccess(ServerAuthenticationSuccessHandler delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public Mono<Void> onAuthenticationSuccess(WebFilterExchange webFilterExchange, Authentication authentication) {
        ReactiveBrowserSession session = ReactiveBrowserSession.find(webFilterExchange.getExchange());
        Mono<Void> rotated = session == null ? Mono.empty() : session.rotate().onErrorResume(e -> {
            log.warn("Could not move the browser session's state at login; the browser starts a new, empty session: {}",
                    e.toString());
            session.abandon();
            return Mono.empty();
        });
        return rotated.then(Mono.defer(() -> delegate.onAuthenticationSuccess(webFilterExchange, authentication)));
    }
}
