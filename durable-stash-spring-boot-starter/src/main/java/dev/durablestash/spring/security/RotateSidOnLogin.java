package dev.durablestash.spring.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationListener;
import org.springframework.security.authentication.event.InteractiveAuthenticationSuccessEvent;

import dev.durablestash.core.StashWriteException;
import dev.durablestash.spring.web.servlet.BrowserSession;

/**
 * Rotates the sid of the browser session that just logged in: its state moves to a new sid, and a
 * sid someone else planted or saw before the login gives no access to it. Should the state not move
 * (storage unreachable), the browser gets a new, empty session rather than keep a sid that may be
 * known: the old state stays unreachable in storage until it expires. Thread-safe.
 */
public final class RotateSidOnLogin implements ApplicationListener<InteractiveAuthenticationSuccessEvent> {

    private static final Logger log = LoggerFactory.getLogger(RotateSidOnLogin.class);

    @Override
    public void onApplicationEvent(InteractiveAuthenticationSuccessEvent event) {
        BrowserSession session = CurrentRequest.browserSession();
        if (session == null) {
            log.debug("Login outside a request that went through the DurableStash sid filter: no sid to rotate");
            return;
        }
        try {
            session.rotate();
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
