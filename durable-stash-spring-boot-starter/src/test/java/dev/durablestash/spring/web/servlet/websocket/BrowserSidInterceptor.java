package dev.durablestash.spring.web.servlet.websocket;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.HandshakeInterceptor;

import dev.durablestash.spring.web.servlet.BrowserSession;

/**
 * Keeps the browser session's sid in the WebSocket session's attributes: the upgrade request went
 * through the sid filter, so its browser session reads (or issues) the cookie as for any request.
 */
class BrowserSidInterceptor implements HandshakeInterceptor {

    static final String SID = "sid";

    @Override
    public boolean beforeHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
            Map<String, Object> attributes) {
        attributes.put(SID, BrowserSession.of(((ServletServerHttpRequest) request).getServletRequest()).sid());
        return true;
    }

    @Override
    public void afterHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
            @Nullable Exception exception) {
    }
}
