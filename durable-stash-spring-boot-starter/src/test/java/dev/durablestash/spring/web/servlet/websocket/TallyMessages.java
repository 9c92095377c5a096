package dev.durablestash.spring.web.servlet.websocket;

import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.annotation.SubscribeMapping;
import org.springframework.stereotype.Controller;

/**
 * A STOMP message handler that keeps state of the browser session through the engine: the sid that
 * {@link BrowserSidInterceptor} put into the handshake's attributes reaches it as a session attribute.
 */
@Controller
class TallyMessages {

    private final SocketTally tally;

    TallyMessages(SocketTally tally) {
        this.tally = tally;
    }

    /** @return the browser session's new count, sent to the subscriber alone */
    @SubscribeMapping("/tally")
    String add(SimpMessageHeaderAccessor headers) {
        return Integer.toString(tally.add((String) headers.getSessionAttributes().get(BrowserSidInterceptor.SID)));
    }
}
