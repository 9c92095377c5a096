package dev.durablestash.spring.security;

import java.util.Objects;
import java.util.function.Function;

import jakarta.servlet.http.HttpServletRequest;

import org.jspecify.annotations.Nullable;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

import dev.durablestash.spring.web.servlet.PrincipalResolver;

/**
 * The principal of Spring Security's security context on the request's thread (read through
 * {@link SecurityContextHolder#getContextHolderStrategy()} on every call): the name of an
 * authenticated {@link Authentication} (remember-me included), {@code null} for none or an anonymous
 * one. Any login is seen this way, also the ones that publish no event (HTTP Basic, bearer tokens, a
 * programmatic login). While a user impersonates another (Spring Security's switch-user), the
 * principal is the one who switched, so the browser session stays theirs through the switch and its
 * exit.
 *
 * <p>Use the constructor that takes a function to name principals by something else than
 * {@link Authentication#getName()}, e.g. a user id that survives a rename, or the provider and subject
 * of an OAuth2 login when several providers (or local users) could share a name. Do not resolve
 * principals with {@code request.getUserPrincipal()} under Spring Security: the sid filter runs before
 * Spring Security's filter chain, so its request never carries the principal.
 *
 * <p>Thread-safe.
 */
public final class SecurityContextPrincipalResolver implements PrincipalResolver {

    private final PrincipalNames names;

    /** Names principals by {@link Authentication#getName()}. */
    public SecurityContextPrincipalResolver() {
        this(Authentication::getName);
    }

    /**
     * @param names the name of an authenticated principal (never called for an anonymous or missing
     *     one); {@code null} treats it as anonymous
     */
    public SecurityContextPrincipalResolver(Function<Authentication, @Nullable String> names) {
        this.names = new PrincipalNames(Objects.requireNonNull(names, "names"));
    }

    @Override
    public @Nullable String principalName(HttpServletRequest request) {
        return names.of(SecurityContextHolder.getContextHolderStrategy().getContext().getAuthentication());
    }
}
