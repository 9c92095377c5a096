package dev.durablestash.spring.web.reactive.declarations;

import java.util.Map;

import ch.qos.logback.classic.Level;
import reactor.core.publisher.Mono;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableReactiveWebApplicationContext;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketSession;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashReactiveAutoConfiguration;
import dev.durablestash.spring.web.reactive.declarations.sockets.FluxNotesSocket;
import dev.durablestash.spring.web.reactive.declarations.sockets.FluxNotesSocketMapping;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On WebFlux, a WebSocket handler mapped to a URL (a {@link SimpleUrlHandlerMapping} whose URL map holds
 * it) whose class has {@code @Stashed} fields fails startup: one instance serves every connection, of
 * every browser, and nothing recovers or stashes its fields. A handler without them starts.
 */
class WebFluxWebSocketHandlerDeclarationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(WebFluxAutoConfiguration.class,
                    InMemoryStorageAutoConfiguration.class, DurableStashAutoConfiguration.class,
                    DurableStashReactiveAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    /** Outside the application's packages nothing looked at it: the application started. */
    @Test
    void aWebSocketHandlerWithStashedFieldsMappedToAUrlFailsStartup() {
        runner.withUserConfiguration(NotesSocketMapping.class).run((context) -> assertFailedNaming(context,
                "WebSocket handler " + NotesSocket.class.getName(), "/notes", NotesSocket.class.getName() + ".note",
                "one instance serves every connection, of every browser", "nothing recovers or stashes its fields",
                "Remove @Stashed"));
    }

    /** In the application's packages the class scan refused it, but only as a class nothing uses. */
    @Test
    void aWebSocketHandlerWithStashedFieldsInTheApplicationsPackagesFailsStartupAsAWebSocketHandler() {
        runner.withInitializer((context) -> AutoConfigurationPackages.register(
                (BeanDefinitionRegistry) context.getBeanFactory(), FluxNotesSocket.class.getPackageName()))
                .withUserConfiguration(FluxNotesSocketMapping.class)
                .run((context) -> assertFailedNaming(context, "WebSocket handler " + FluxNotesSocket.class.getName(),
                        "/notes", FluxNotesSocket.class.getName() + ".note", "every connection"));
    }

    /** Refused before the WebSocket check runs, as any bean with {@code @Stashed} fields that is not a controller. */
    @Test
    void aWebSocketHandlerBeanWithStashedFieldsFailsStartup() {
        runner.withUserConfiguration(NotesSocketBean.class, NotesSocketBeanMapping.class).run((context) ->
                assertFailedNaming(context, NotesSocketBean.class.getName() + ".note", "WebSocket handler", "bean '",
                        "Remove @Stashed", "use the socket to push"));
    }

    @Test
    void aWebSocketHandlerWithoutStashedFieldsStarts() {
        runner.withUserConfiguration(EchoSocketMapping.class).run((context) -> assertThat(context).hasNotFailed());
    }

    private static void assertFailedNaming(AssertableReactiveWebApplicationContext context, String... parts) {
        assertThat(context).hasFailed();
        Throwable root = context.getStartupFailure();
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        assertThat(root).isInstanceOf(IllegalStateException.class);
        assertThat(root.getMessage()).contains(parts);
    }

    static class NotesSocket implements WebSocketHandler {

        @Stashed String note;

        @Override
        public Mono<Void> handle(WebSocketSession session) {
            return session.receive().doOnNext((message) -> note = message.getPayloadAsText()).then();
        }
    }

    static class EchoSocket implements WebSocketHandler {

        @Override
        public Mono<Void> handle(WebSocketSession session) {
            return session.send(session.receive().map((message) -> session.textMessage(message.getPayloadAsText())));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class NotesSocketMapping {

        @Bean
        HandlerMapping notesSocketMapping() {
            return new SimpleUrlHandlerMapping(Map.of("/notes", new NotesSocket()), -1);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class EchoSocketMapping {

        @Bean
        HandlerMapping echoSocketMapping() {
            return new SimpleUrlHandlerMapping(Map.of("/echo", new EchoSocket()), -1);
        }
    }

    @Component
    static class NotesSocketBean implements WebSocketHandler {

        @Stashed String note;

        @Override
        public Mono<Void> handle(WebSocketSession session) {
            return session.receive().doOnNext((message) -> note = message.getPayloadAsText()).then();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class NotesSocketBeanMapping {

        @Bean
        HandlerMapping notesSocketBeanMapping(NotesSocketBean socket) {
            return new SimpleUrlHandlerMapping(Map.of("/bean-notes", socket), -1);
        }
    }
}
