package dev.durablestash.spring.web.servlet;

import java.security.Principal;

import jakarta.servlet.http.HttpServletRequest;

import org.jspecify.annotations.Nullable;

/**
 * Tells which authenticated principal a request acts for, so that its {@link BrowserSession} is bound
 * to it: a sid issued to an anonymous browser is rotated when an authenticated request first uses it,
 * and a sid bound to one principal is never used by another (see
 * {@link dev.durablestash.core.SessionCookieValues}). By default the container's
 * {@link HttpServletRequest#getUserPrincipal()}; with Spring Security the starter uses its security
 * context instead (anonymous authentication counts as no principal).
 *
 * <p>Define a bean of this type to change how principals are told apart, e.g. by a user id that
 * survives a rename. Implementations must be thread-safe and cheap: the resolver is asked on the
 * request's thread whenever the browser session first resolves its sid in a request, and when it is
 * rotated.
 */
@FunctionalInterface
public interface PrincipalResolver {

    /** The container's user principal of the request ({@link HttpServletRequest#getUserPrincipal()}). */
    PrincipalResolver USER_PRINCIPAL = (request) -> {
        Principal principal = request.getUserPrincipal();
        return principal == null ? null : principal.getName();
    };

    /**
     * @param request the request, as the sid filter saw it (outer filters' wrappers only)
     * @return a name that identifies the authenticated principal the request acts for, or {@code null}
     *     when the request is anonymous
     */
    @Nullable String principalName(HttpServletRequest request);
}
