package dev.durablestash.spring.web.servlet.declarations;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.handler.TextWebSocketHandler;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;
import org.springframework.web.socket.server.support.WebSocketHttpRequestHandler;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Spring MVC startup check of WebSocket handlers, at its edges: legitimate handlers start (one
 * that holds a reference to a view class, an AOP proxy, a controller that is also a handler, SockJS);
 * a handler instance with {@code @Stashed} fields that the check does not reach (a decorator of its
 * own with such fields, a prototype {@code WebSocketHttpRequestHandler} mapped by its bean name).
 */
class WebSocketCheckEdgeCaseTests {

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
    void aHandlerHoldingAViewClassInAFieldStarts() {
        contextRunner.withUserConfiguration(HolderConfiguration.class)
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void anAopProxiedPlainHandlerBehindSockJsStarts() {
        contextRunner.withUserConfiguration(ProxiedConfiguration.class)
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void aControllerWithoutViewsThatIsAlsoAWebSocketHandlerStarts() {
        contextRunner.withUserConfiguration(SocketController.class, SocketControllerConfiguration.class)
                .run((context) -> assertThat(context).hasNotFailed());
    }

    /**
     * A decorator of the application's own that holds {@code @Stashed} fields: one instance for every
     * connection of every browser, with fields nothing recovers or stashes. The check unwraps every
     * decorator and looks at the innermost handler only, so the application starts.
     */
    @Test
    void aDecoratorWithStashedFieldsFailsStartup() {
        contextRunner.withUserConfiguration(StashedDecoratorConfiguration.class).run((context) ->
                assertFailedNaming(context, "WebSocket handler " + NotingDecorator.class.getName(), "/decorated",
                        NotingDecorator.class.getName() + ".last"));
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

    static class Cart {
        @Stashed java.util.List<String> items = new java.util.ArrayList<>();
    }

    static class PlainSocket extends TextWebSocketHandler {

        @Override
        protected void handleTextMessage(WebSocketSession session, TextMessage message) throws Exception {
            session.sendMessage(message);
        }
    }

    static class CartHolderSocket extends TextWebSocketHandler {

        Cart cart = new Cart(); // a view class as a plain field: a reference, not @Stashed state
    }

    static class NotesSocket extends TextWebSocketHandler {

        @Stashed String note;

        @Override
        protected void handleTextMessage(WebSocketSession session, TextMessage message) {
            note = message.getPayload();
        }
    }

    static class NotingDecorator extends WebSocketHandlerDecorator {

        @Stashed String last;

        NotingDecorator(WebSocketHandler delegate) {
            super(delegate);
        }

        @Override
        public void handleMessage(WebSocketSession session,
                org.springframework.web.socket.WebSocketMessage<?> message) throws Exception {
            last = String.valueOf(message.getPayload());
            super.handleMessage(session, message);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebSocket
    static class HolderConfiguration implements WebSocketConfigurer {

        @Override
        public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
            registry.addHandler(new CartHolderSocket(), "/holder");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebSocket
    static class ProxiedConfiguration implements WebSocketConfigurer {

        @Override
        public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
            ProxyFactory factory = new ProxyFactory(new PlainSocket());
            factory.setProxyTargetClass(true);
            registry.addHandler((WebSocketHandler) factory.getProxy(), "/proxied").withSockJS();
        }
    }

    @Controller
    static class SocketController extends TextWebSocketHandler {

        @GetMapping("/socket-controller")
        @ResponseBody
        String page() {
            return "page";
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebSocket
    static class SocketControllerConfiguration implements WebSocketConfigurer {

        private final SocketController controller;

        SocketControllerConfiguration(SocketController controller) {
            this.controller = controller;
        }

        @Override
        public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
            registry.addHandler(controller, "/socket-controller-ws");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebSocket
    static class StashedDecoratorConfiguration implements WebSocketConfigurer {

        @Override
        public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
            registry.addHandler(new NotingDecorator(new PlainSocket()), "/decorated");
        }
    }
}
