package dev.durablestash.spring.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.logout.LogoutHandler;

import dev.durablestash.core.StashWriteException;
import dev.durablestash.spring.web.servlet.BrowserSession;

/**
 * A logout handler that ends the browser session of the request that logs out: its state is removed
 * and the sid cookie cleared, so the next user of the same browser starts from defaults. It ends the
 * session the request's cookie names whether or not the request carries an authentication (a user
 * kept logged in by remember-me whose HTTP session expired logs out before the remember-me filter
 * authenticates her; an anonymous browser that logs out asks to be forgotten too).
 *
 * <p>{@link DurableStashSecurityAutoConfiguration} adds it to the logout of every
 * {@code SecurityFilterChain} built with Spring Security's {@code HttpSecurity} bean; a chain built
 * otherwise adds it with {@code logout.addLogoutHandler(...)}. Should the removal fail (storage
 * unreachable), the cookie is cleared anyway, the logout goes on, and the state stays unreachable in
 * storage until it expires. A request the sid filter did not run for is left alone.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class EndBrowserSessionOnLogout implements LogoutHandler {

    private static final Logger log = LoggerFactory.getLogger(EndBrowserSessionOnLogout.class);

    @Override
    public void logout(HttpServletRequest request, HttpServletResponse response, @Nullable Authentication authentication) {
        BrowserSession session = BrowserSession.find(request);
        if (session == null) {
            log.debug("Logout of a request that did not go through the DurableStash sid filter: nothing to end");
            return;
        }
        try {
            session.end();
        } catch (StashWriteException e) {
            log.warn("Could not remove the browser session's state at logout ({}); its cookie is cleared, and the "
                    + "state expires with the TTL", e.getMessage());
        }
    }
}
