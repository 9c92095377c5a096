package dev.durablestash.spring.web.reactive.declarations.sockets;

import java.util.Map;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;

/** Maps one {@link FluxNotesSocket} to {@code /notes}. */
@Configuration(proxyBeanMethods = false)
public class FluxNotesSocketMapping {

    @Bean
    HandlerMapping notesSocketMapping() {
        return new SimpleUrlHandlerMapping(Map.of("/notes", new FluxNotesSocket()), -1);
    }
}
