package dev.durablestash.spring.web.servlet.declarations;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.handler.TextWebSocketHandler;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The usual way to write a WebSocket handler is a {@code @Component} injected into the
 * {@code WebSocketConfigurer}. With {@code @Stashed} fields it is refused as "not a @Controller", and the
 * message advises to "take the class as a handler-method argument and do not declare it as a bean": a
 * WebSocket handler cannot be a handler-method argument, and one that follows the advice (registers
 * {@code new NotesSocket()}) is refused at the next start with another advice ("Remove @Stashed"). The
 * bean should get the WebSocket handler's advice at once.
 */
class WebSocketHandlerBeanAdviceTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                    DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                    WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @Test
    void aWebSocketHandlerBeanIsToldWhatToDoWithAWebSocketHandler() {
        contextRunner.withUserConfiguration(NotesSocket.class, NotesSocketConfiguration.class).run((context) -> {
            assertThat(context).hasFailed();
            String message = rootMessage(context.getStartupFailure());
            assertThat(message).contains(NotesSocket.class.getName() + ".note");
            assertThat(message).as("the advice of a WebSocket handler").contains("WebSocket", "Remove @Stashed");
            assertThat(message).as("advice a WebSocket handler cannot follow")
                    .doesNotContain("take the class as a handler-method argument");
        });
    }

    /** What the advice of the message above leads to: the handler registered as an instance. */
    @Test
    void followingTheBeansAdviceFailsAgainWithOtherAdvice() {
        contextRunner.withUserConfiguration(NotesSocketAsInstanceConfiguration.class).run((context) -> {
            assertThat(context).hasFailed();
            assertThat(rootMessage(context.getStartupFailure())).contains("WebSocket handler", "Remove @Stashed");
        });
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    @Component
    static class NotesSocket extends TextWebSocketHandler {

        @Stashed String note;

        @Override
        protected void handleTextMessage(WebSocketSession session, TextMessage message) {
            note = message.getPayload();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebSocket
    static class NotesSocketConfiguration implements WebSocketConfigurer {

        private final NotesSocket socket;

        NotesSocketConfiguration(NotesSocket socket) {
            this.socket = socket;
        }

        @Override
        public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
            registry.addHandler(socket, "/notes");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebSocket
    static class NotesSocketAsInstanceConfiguration implements WebSocketConfigurer {

        @Override
        public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
            registry.addHandler(new NotesSocket(), "/notes");
        }
    }
}
