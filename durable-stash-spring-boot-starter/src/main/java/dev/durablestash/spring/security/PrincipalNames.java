package dev.durablestash.spring.security;

import java.util.Objects;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import org.springframework.security.authentication.AuthenticationTrustResolver;
import org.springframework.security.authentication.AuthenticationTrustResolverImpl;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.web.authentication.switchuser.SwitchUserGrantedAuthority;

/**
 * Names the principal an {@link Authentication} acts for, the same way for the servlet and the
 * reactive resolver: an authenticated one (per {@link AuthenticationTrustResolver}), or while a user
 * impersonates another (switch-user) the one who switched. Thread-safe.
 */
final class PrincipalNames {

    private final AuthenticationTrustResolver trust = new AuthenticationTrustResolverImpl();
    private final Function<Authentication, @Nullable String> names;

    PrincipalNames(Function<Authentication, @Nullable String> names) {
        this.names = Objects.requireNonNull(names, "names");
    }

    /** @return the principal's name, or {@code null} for none, an anonymous one or one not authenticated */
    @Nullable String of(@Nullable Authentication authentication) {
        if (authentication == null || !trust.isAuthenticated(authentication)) {
            return null;
        }
        Authentication owner = switchedFrom(authentication);
        return names.apply(owner != null && trust.isAuthenticated(owner) ? owner : authentication);
    }

    /** @return the one who switched to {@code authentication} with switch-user, or {@code null} */
    private static @Nullable Authentication switchedFrom(Authentication authentication) {
        for (GrantedAuthority authority : authentication.getAuthorities()) {
            if (authority instanceof SwitchUserGrantedAuthority switched) {
                return switched.getSource();
            }
        }
        return null;
    }
}
