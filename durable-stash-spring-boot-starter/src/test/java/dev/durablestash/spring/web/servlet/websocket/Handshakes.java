package dev.durablestash.spring.web.servlet.websocket;

import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.HandshakeInterceptor;

import dev.durablestash.spring.web.servlet.BrowserSession;

/**
 * Records, for the tests, what the upgrade requests and the WebSocket sessions carried: the request's
 * {@link BrowserSession} as found (left unresolved unless an earlier interceptor resolved it), and the
 * attributes each WebSocket session was opened with.
 */
@Component
public class Handshakes implements HandshakeInterceptor {

    private final BlockingQueue<String> browserSessions = new LinkedBlockingQueue<>();
    private final BlockingQueue<Map<String, Object>> attributes = new LinkedBlockingQueue<>();

    @Override
    public boolean beforeHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
            Map<String, Object> sessionAttributes) {
        BrowserSession session = BrowserSession.find(((ServletServerHttpRequest) request).getServletRequest());
        browserSessions.add(String.valueOf(session));
        return true;
    }

    @Override
    public void afterHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
            @Nullable Exception exception) {
    }

    void opened(Map<String, Object> sessionAttributes) {
        attributes.add(Map.copyOf(sessionAttributes));
    }

    /** Forgets what was recorded so far. */
    public void clear() {
        browserSessions.clear();
        attributes.clear();
    }

    /** @return the next upgrade request's browser session, as its toString() shows it */
    public String nextBrowserSession() throws InterruptedException {
        return next(browserSessions);
    }

    /** @return the attributes of the next WebSocket session opened */
    public Map<String, Object> nextAttributes() throws InterruptedException {
        return next(attributes);
    }

    private static <T> T next(BlockingQueue<T> queue) throws InterruptedException {
        T next = queue.poll(10, TimeUnit.SECONDS);
        if (next == null) {
            throw new AssertionError("nothing recorded");
        }
        return next;
    }
}
