package dev.durablestash.spring.web.servlet.declarations.perconnection;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.handler.PerConnectionWebSocketHandler;

/** Maps {@link PerConnectionNotes}, one instance per connection, to {@code /notes}. */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
public class PerConnectionNotesConfiguration implements WebSocketConfigurer {

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        registry.addHandler(new PerConnectionWebSocketHandler(PerConnectionNotes.class), "/notes");
    }
}
