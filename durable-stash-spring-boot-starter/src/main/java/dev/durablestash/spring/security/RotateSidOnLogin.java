package dev.durablestash.spring.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationListener;
import org.springframework.security.authentication.event.InteractiveAuthenticationSuccessEvent;

import dev.durablestash.core.StashWriteException;
import dev.durablestash.spring.web.servlet.BrowserSession;

/**
 * Makes the browser session of the request that just logged in {@linkplain BrowserSession#followPrincipal()
 * follow its principal}: an anonymous session is rotated to a sid bound to the principal (a sid
 * someone else planted or saw before the login gives no access to the state; should the state not
 * move, the browser gets a new, empty session), a session of another principal is replaced by a new,
 * empty one, and a session already bound to this principal (a remember-me login, a login again after
 * the HTTP session expired) is kept as it is, so requests in flight keep their sid. It finds the
 * request through {@link BrowserSession#current()}: Spring Security's filters publish the event on the
 * request's thread, inside the sid filter's chain, whatever the application's MVC configuration; an
 * event published elsewhere (another thread, a request the sid filter did not run for) changes nothing.
 * Thread-safe.
 */
public final class RotateSidOnLogin implements ApplicationListener<InteractiveAuthenticationSuccessEvent> {

    private static final Logger log = LoggerFactory.getLogger(RotateSidOnLogin.class);

    @Override
    public void onApplicationEvent(InteractiveAuthenticationSuccessEvent event) {
        BrowserSession session = BrowserSession.current();
        if (session == null) {
            log.debug("Login outside a request that went through the DurableStash sid filter: no sid to rotate");
            return;
        }
        try {
            session.followPrincipal();
        } catch (StashWriteException e) {
            log.warn("Could not move the browser session's state to a new sid at login ({}); the browser starts a "
                    + "new, empty browser session", e.getMessage());
            session.abandon();
        }
    }

    @Override
    public boolean supportsAsyncExecution() {
        return false; // it needs the request's thread
    }
}
