package dev.durablestash.spring.web.servlet.declarations;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.messaging.Message;
import org.springframework.messaging.handler.annotation.MessageMapping;
import org.springframework.messaging.handler.invocation.AbstractMethodMessageHandler;
import org.springframework.messaging.simp.annotation.SubscribeMapping;
import org.springframework.messaging.simp.config.MessageBrokerRegistry;
import org.springframework.stereotype.Component;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.context.annotation.RequestScope;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.EnableWebSocketMessageBroker;
import org.springframework.web.socket.config.annotation.StompEndpointRegistry;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.config.annotation.WebSocketMessageBrokerConfigurer;
import org.springframework.web.socket.handler.LoggingWebSocketHandlerDecorator;
import org.springframework.web.socket.handler.PerConnectionWebSocketHandler;
import org.springframework.web.socket.handler.TextWebSocketHandler;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.spring.web.servlet.BrowserSession;
import dev.durablestash.spring.web.servlet.declarations.perconnection.PerConnectionNotes;
import dev.durablestash.spring.web.servlet.declarations.perconnection.PerConnectionNotesConfiguration;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WebSocket code that would use {@code @Stashed} fields, the {@link Stash} or the {@link BrowserSession}
 * outside an HTTP request fails startup, with a message that names the class and the field and says
 * what to do instead: STOMP message handlers ({@code @MessageMapping}, {@code @SubscribeMapping}) of a
 * view controller, or taking a view, a {@code Stash} or a {@code BrowserSession}; and WebSocket handlers
 * with {@code @Stashed} fields. Message handlers of controllers without views start.
 */
class MessageHandlerViewDeclarationTests {

    /** The startup failures these tests provoke; each test asserts its failure and the message. */
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
    void aViewControllerWithAMessageMappingMethodFailsStartup() {
        contextRunner.withUserConfiguration(Stomp.class, CounterController.class).run((context) -> assertFailedNaming(
                context, "Controller " + CounterController.class.getName(), CounterController.class.getName()
                        + ".count", "CounterController#add", "outside any HTTP request",
                "Move the message-handling methods to a controller without @Stashed fields"));
    }

    @Test
    void aViewControllerWithASubscribeMappingMethodFailsStartup() {
        contextRunner.withUserConfiguration(Stomp.class, SubscribedController.class).run((context) ->
                assertFailedNaming(context, SubscribedController.class.getName() + ".count",
                        "SubscribedController#first", "outside any HTTP request"));
    }

    @Test
    void aViewControllerWithAScopedProxyThatHandlesMessagesFailsStartup() {
        contextRunner.withUserConfiguration(Stomp.class, ProxiedCounterController.class).run((context) ->
                assertFailedNaming(context, ProxiedCounterController.class.getName() + ".count",
                        "ProxiedCounterController#add", "outside any HTTP request"));
    }

    @Test
    void aViewClassTakenByAMessageHandlerFailsStartup() {
        contextRunner.withUserConfiguration(Stomp.class, CartMessages.class).run((context) -> assertFailedNaming(
                context, "Parameter 0 (" + Cart.class.getName() + ")", "CartMessages#add", Cart.class.getName()
                        + ".items", "made from the message's payload", "neither recovered nor stored"));
    }

    @Test
    void aViewClassTakenInsideAMessageByAMessageHandlerFailsStartup() {
        contextRunner.withUserConfiguration(Stomp.class, CartMessageMessages.class).run((context) ->
                assertFailedNaming(context, "Message<" + Cart.class.getName() + ">", "CartMessageMessages#add",
                        Cart.class.getName() + ".items", "neither recovered nor stored"));
    }

    @Test
    void aStashParameterOfAMessageHandlerFailsStartup() {
        contextRunner.withUserConfiguration(Stomp.class, StashMessages.class).run((context) -> assertFailedNaming(
                context, "Parameter 1 (" + Stash.class.getName() + ")", "StashMessages#add",
                "outside any HTTP request"));
    }

    @Test
    void aBrowserSessionParameterOfAMessageHandlerFailsStartup() {
        contextRunner.withUserConfiguration(Stomp.class, BrowserSessionMessages.class).run((context) ->
                assertFailedNaming(context, "Parameter 0 (" + BrowserSession.class.getName() + ")",
                        "BrowserSessionMessages#show", "outside any HTTP request", "HandshakeInterceptor"));
    }

    @Test
    void messageHandlersOfAControllerWithoutViewsStartNextToAViewController() {
        contextRunner.withUserConfiguration(Stomp.class, PlainMessages.class, PageController.class)
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void withoutSpringMessagingMessageHandlersAreNotLookedFor() {
        contextRunner.withClassLoader(new FilteredClassLoader(AbstractMethodMessageHandler.class))
                .withUserConfiguration(Stomp.class, CounterController.class)
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void aWebSocketHandlerWithStashedFieldsRegisteredAsAnInstanceFailsStartup() {
        contextRunner.withUserConfiguration(NotesSocketConfiguration.class).run((context) -> assertFailedNaming(
                context, "WebSocket handler " + NotesSocket.class.getName(), "/notes",
                NotesSocket.class.getName() + ".note", "every connection"));
    }

    @Test
    void aSockJsWebSocketHandlerWithStashedFieldsRegisteredAsAnInstanceFailsStartup() {
        contextRunner.withUserConfiguration(SockJsNotesSocketConfiguration.class).run((context) -> assertFailedNaming(
                context, "WebSocket handler " + NotesSocket.class.getName(), "/sockjs-notes",
                NotesSocket.class.getName() + ".note"));
    }

    /**
     * A handler made for each connection is shared by no two browsers, but nothing recovers or stashes its
     * fields either. Outside the application's packages it was not checked at all, and the application
     * started.
     */
    @Test
    void aPerConnectionWebSocketHandlerWithStashedFieldsFailsStartup() {
        contextRunner.withUserConfiguration(PerConnectionNotesSocketConfiguration.class).run((context) ->
                assertFailedNaming(context, "WebSocket handler " + NotesSocket.class.getName(), "/per-connection-notes",
                        NotesSocket.class.getName() + ".note", "PerConnectionWebSocketHandler",
                        "nothing recovers or stashes its fields", "Remove @Stashed"));
    }

    @Test
    void aDecoratedPerConnectionWebSocketHandlerWithStashedFieldsBehindSockJsFailsStartup() {
        contextRunner.withUserConfiguration(DecoratedPerConnectionNotesSocketConfiguration.class).run((context) ->
                assertFailedNaming(context, "WebSocket handler " + NotesSocket.class.getName(),
                        "/decorated-per-connection-notes", NotesSocket.class.getName() + ".note",
                        "PerConnectionWebSocketHandler"));
    }

    /**
     * In the application's packages the class scan refused it before, but as a class nothing uses, which
     * says nothing of WebSockets; it now gets the WebSocket handler's message.
     */
    @Test
    void aPerConnectionWebSocketHandlerWithStashedFieldsInTheApplicationsPackagesFailsStartupAsAWebSocketHandler() {
        contextRunner.withInitializer((context) -> AutoConfigurationPackages.register(
                (BeanDefinitionRegistry) context.getBeanFactory(), PerConnectionNotes.class.getPackageName()))
                .withUserConfiguration(PerConnectionNotesConfiguration.class)
                .run((context) -> assertFailedNaming(context, "WebSocket handler " + PerConnectionNotes.class.getName(),
                        "/notes", PerConnectionNotes.class.getName() + ".note", "PerConnectionWebSocketHandler"));
    }

    @Test
    void aPerConnectionWebSocketHandlerWithoutStashedFieldsStarts() {
        contextRunner.withUserConfiguration(PerConnectionPlainSocketConfiguration.class)
                .run((context) -> assertThat(context).hasNotFailed());
    }

    /** Refused before the WebSocket checks run, as any bean with {@code @Stashed} fields that is not a controller. */
    @Test
    void aWebSocketHandlerBeanWithStashedFieldsFailsStartup() {
        contextRunner.withUserConfiguration(NotesSocketBean.class, NotesSocketBeanConfiguration.class).run((context) ->
                assertFailedNaming(context, NotesSocketBean.class.getName() + ".note", "WebSocket handler", "bean '",
                        "Remove @Stashed", "HandshakeInterceptor"));
    }

    private static void assertFailedNaming(AssertableWebApplicationContext context, String... parts) {
        assertThat(context).hasFailed();
        Throwable root = context.getStartupFailure();
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        assertThat(root).isInstanceOf(IllegalStateException.class);
        assertThat(root.getMessage()).contains(parts);
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebSocketMessageBroker
    static class Stomp implements WebSocketMessageBrokerConfigurer {

        @Override
        public void registerStompEndpoints(StompEndpointRegistry registry) {
            registry.addEndpoint("/stomp");
        }

        @Override
        public void configureMessageBroker(MessageBrokerRegistry registry) {
            registry.enableSimpleBroker("/topic");
            registry.setApplicationDestinationPrefixes("/app");
        }
    }

    @Controller
    static class CounterController {

        @Stashed int count;

        @GetMapping("/count")
        @ResponseBody
        String show() {
            return Integer.toString(count);
        }

        @MessageMapping("/count")
        String add() {
            return Integer.toString(++count);
        }
    }

    @Controller
    static class SubscribedController {

        @Stashed int count;

        @SubscribeMapping("/count")
        String first() {
            return Integer.toString(count);
        }
    }

    @Controller
    @RequestScope(proxyMode = ScopedProxyMode.TARGET_CLASS)
    static class ProxiedCounterController {

        @Stashed int count;

        @MessageMapping("/proxied")
        String add() {
            return Integer.toString(++count);
        }
    }

    static class Cart {

        @Stashed java.util.List<String> items = new java.util.ArrayList<>();
    }

    @Controller
    static class CartMessages {

        @MessageMapping("/cart")
        String add(Cart cart) {
            cart.items.add("x");
            return cart.items.toString();
        }
    }

    @Controller
    static class CartMessageMessages {

        @MessageMapping("/cart-message")
        String add(Message<Cart> cart) {
            return cart.getPayload().items.toString();
        }
    }

    @Controller
    static class StashMessages {

        @MessageMapping("/stash")
        String add(String text, Stash stash) {
            stash.stashNow();
            return text;
        }
    }

    @Controller
    static class BrowserSessionMessages {

        @MessageMapping("/session")
        String show(BrowserSession session) {
            return session.toString();
        }
    }

    @Controller
    static class PlainMessages {

        @MessageMapping("/echo")
        String echo(String text) {
            return text;
        }
    }

    @Controller
    static class PageController {

        @Stashed int count;

        @GetMapping("/page")
        @ResponseBody
        String show() {
            return Integer.toString(++count);
        }
    }

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

        @Override
        public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
            registry.addHandler(new NotesSocket(), "/notes");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebSocket
    static class SockJsNotesSocketConfiguration implements WebSocketConfigurer {

        @Override
        public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
            registry.addHandler(new NotesSocket(), "/sockjs-notes").withSockJS();
        }
    }

    static class PlainSocket extends TextWebSocketHandler {

        @Override
        protected void handleTextMessage(WebSocketSession session, TextMessage message) throws Exception {
            session.sendMessage(message);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebSocket
    static class PerConnectionNotesSocketConfiguration implements WebSocketConfigurer {

        @Override
        public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
            registry.addHandler(new PerConnectionWebSocketHandler(NotesSocket.class), "/per-connection-notes");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebSocket
    static class DecoratedPerConnectionNotesSocketConfiguration implements WebSocketConfigurer {

        @Override
        public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
            registry.addHandler(new LoggingWebSocketHandlerDecorator(new PerConnectionWebSocketHandler(
                    NotesSocket.class)), "/decorated-per-connection-notes").withSockJS();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebSocket
    static class PerConnectionPlainSocketConfiguration implements WebSocketConfigurer {

        @Override
        public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
            registry.addHandler(new PerConnectionWebSocketHandler(PlainSocket.class), "/per-connection-echo");
        }
    }

    @Component
    static class NotesSocketBean extends TextWebSocketHandler {

        @Stashed String note;
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebSocket
    static class NotesSocketBeanConfiguration implements WebSocketConfigurer {

        private final NotesSocketBean socket;

        NotesSocketBeanConfiguration(NotesSocketBean socket) {
            this.socket = socket;
        }

        @Override
        public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
            registry.addHandler(socket, "/bean-notes");
        }
    }
}
