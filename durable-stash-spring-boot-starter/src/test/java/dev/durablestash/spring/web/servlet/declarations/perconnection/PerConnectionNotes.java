package dev.durablestash.spring.web.servlet.declarations.perconnection;

import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.TextWebSocketHandler;

import dev.durablestash.spring.Stashed;

/**
 * A WebSocket handler with a {@code @Stashed} field, made for each connection by a
 * {@code PerConnectionWebSocketHandler} ({@link PerConnectionNotesConfiguration}); in a package of its own,
 * which the test registers as the application's.
 */
public class PerConnectionNotes extends TextWebSocketHandler {

    @Stashed String note;

    @Override
    protected void handleTextMessage(WebSocketSession session, TextMessage message) {
        note = message.getPayload();
    }
}
