package dev.durablestash.spring.security;

import jakarta.servlet.http.HttpServletRequest;

import org.jspecify.annotations.Nullable;

import org.springframework.security.authentication.AuthenticationTrustResolver;
import org.springframework.security.authentication.AuthenticationTrustResolverImpl;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;

import dev.durablestash.spring.web.servlet.PrincipalResolver;

/**
 * The principal of Spring Security's security context on the request's thread: the name of an
 * authenticated {@link Authentication} (remember-me included), {@code null} for none or an anonymous
 * one. Any login is seen this way, also the ones that publish no event (HTTP Basic, bearer tokens, a
 * programmatic login, switch-user). Thread-safe.
 */
public final class SecurityContextPrincipalResolver implements PrincipalResolver {

    private final SecurityContextHolderStrategy contexts;
    private final AuthenticationTrustResolver trust = new AuthenticationTrustResolverImpl();

    /** Reads the context through {@link SecurityContextHolder#getContextHolderStrategy()}. */
    public SecurityContextPrincipalResolver() {
        this(SecurityContextHolder.getContextHolderStrategy());
    }

    /** @param contexts where the request's security context is kept */
    public SecurityContextPrincipalResolver(SecurityContextHolderStrategy contexts) {
        this.contexts = contexts;
    }

    @Override
    public @Nullable String principalName(HttpServletRequest request) {
        Authentication authentication = contexts.getContext().getAuthentication();
        return trust.isAuthenticated(authentication) ? authentication.getName() : null;
    }
}
