package dev.durablestash.spring.web.servlet.websocket;

import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.messaging.SessionDisconnectEvent;

/**
 * Counts the STOMP sessions whose end the server has handled, so that a test can wait until the
 * server is done with the connections it closed (and a log line of that work falls inside the test).
 */
@Component
public class EndedStompSessions {

    private final AtomicInteger ended = new AtomicInteger();

    @EventListener
    void ended(SessionDisconnectEvent event) {
        ended.incrementAndGet();
    }

    /** @return how many STOMP sessions have ended so far */
    public int count() {
        return ended.get();
    }
}
