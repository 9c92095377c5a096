package dev.durablestash.spring.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationListener;
import org.springframework.security.authentication.event.LogoutSuccessEvent;

import dev.durablestash.core.StashWriteException;
import dev.durablestash.spring.web.servlet.BrowserSession;

/**
 * Ends the browser session of the request that logs out: its state is removed and the sid cookie
 * cleared, so the next user of the same browser starts from defaults. Should the removal fail
 * (storage unreachable), the cookie is cleared anyway and the state stays unreachable in storage
 * until it expires. Thread-safe.
 */
public final class EndBrowserSessionOnLogout implements ApplicationListener<LogoutSuccessEvent> {

    private static final Logger log = LoggerFactory.getLogger(EndBrowserSessionOnLogout.class);

    @Override
    public void onApplicationEvent(LogoutSuccessEvent event) {
        BrowserSession session = CurrentRequest.browserSession();
        if (session == null) {
            log.debug("Logout outside a request that went through the DurableStash sid filter: nothing to end");
            return;
        }
        try {
            session.end();
        } catch (StashWriteException e) {
            log.warn("Could not remove the browser session's state at logout ({}); its cookie is cleared, and the "
                    + "state expires with the TTL", e.getMessage());
        }
    }

    @Override
    public boolean supportsAsyncExecution() {
        return false; // it needs the request's thread
    }
}
