package dev.durablestash.spring.web.reactive;

import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.security.core.Authentication;
import org.springframework.security.web.server.WebFilterExchange;
import org.springframework.security.web.server.authentication.ServerAuthenticationSuccessHandler;

import reactor.core.publisher.Mono;

/**
 * Spring Security WebFlux: makes the browser session follow the principal when a login succeeds
 * ({@link ReactiveBrowserSession#followPrincipal()}: an anonymous session is rotated to a sid bound to
 * the user, nobody else can know it, and the state moves along; a session already bound to the same user
 * is kept; one bound to another user is replaced by a new, empty one), then hands on to the
 * application's own success handler. The reactive
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
        Mono<Void> rotated = session == null ? Mono.empty() : session.followPrincipal().onErrorResume(e -> {
            log.warn("Could not move the browser session's state at login; the browser starts a new, empty session: {}",
                    e.toString());
            return session.abandon();
        });
        return rotated.then(Mono.defer(() -> delegate.onAuthenticationSuccess(webFilterExchange, authentication)));
    }
}
