package dev.durablestash.spring.web.servlet.websocket;

import java.io.IOException;

import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.TextWebSocketHandler;

/** A WebSocket handler that answers each message with the browser session's new {@link SocketTally} count. */
class TallySocket extends TextWebSocketHandler {

    private final SocketTally tally;

    TallySocket(SocketTally tally) {
        this.tally = tally;
    }

    @Override
    protected void handleTextMessage(WebSocketSession session, TextMessage message) throws IOException {
        String sid = (String) session.getAttributes().get(BrowserSidInterceptor.SID);
        session.sendMessage(new TextMessage(Integer.toString(tally.add(sid))));
    }
}
