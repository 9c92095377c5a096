package dev.durablestash.spring.web.servlet.websocket;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.handler.TextWebSocketHandler;

/**
 * Plain WebSocket handlers: {@code /plain} only records what its sessions carry; {@code /tally} keeps
 * a count per browser session ({@link TallySocket}, {@link SocketTally}).
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
class SocketConfiguration implements WebSocketConfigurer {

    private final Handshakes handshakes;
    private final SocketTally tally;

    SocketConfiguration(Handshakes handshakes, SocketTally tally) {
        this.handshakes = handshakes;
        this.tally = tally;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        registry.addHandler(new TextWebSocketHandler() {
            @Override
            public void afterConnectionEstablished(WebSocketSession session) {
                handshakes.opened(session.getAttributes());
            }
        }, "/plain").addInterceptors(handshakes);
        registry.addHandler(new TallySocket(tally), "/tally")
                .addInterceptors(new BrowserSidInterceptor(), handshakes);
    }
}
