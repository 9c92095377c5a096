package dev.durablestash.spring.web.reactive.declarations.sockets;

import reactor.core.publisher.Mono;

import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketSession;

import dev.durablestash.spring.Stashed;

/**
 * A reactive WebSocket handler with a {@code @Stashed} field ({@link FluxNotesSocketMapping} maps one
 * instance to a URL); in a package of its own, which the test registers as the application's.
 */
public class FluxNotesSocket implements WebSocketHandler {

    @Stashed String note;

    @Override
    public Mono<Void> handle(WebSocketSession session) {
        return session.receive().doOnNext((message) -> note = message.getPayloadAsText()).then();
    }
}
