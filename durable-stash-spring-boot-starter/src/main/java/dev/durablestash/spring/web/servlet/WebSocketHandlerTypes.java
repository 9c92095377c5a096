package dev.durablestash.spring.web.servlet;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.web.servlet.handler.AbstractUrlHandlerMapping;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;
import org.springframework.web.socket.server.support.WebSocketHttpRequestHandler;
import org.springframework.web.socket.sockjs.support.SockJsHttpRequestHandler;

/**
 * Finds the classes of the application's WebSocket handlers (registered with a
 * {@code WebSocketConfigurer}, with or without SockJS), under their decorators. The only class of the
 * servlet check that uses spring-websocket types: call it only when spring-websocket is on the
 * classpath ({@link #HANDLER_CLASS}).
 */
final class WebSocketHandlerTypes {

    /** The class whose presence tells that spring-websocket is on the classpath. */
    static final String HANDLER_CLASS = "org.springframework.web.socket.server.support.WebSocketHttpRequestHandler";

    private WebSocketHandlerTypes() {
    }

    /** @return the class of each URL-mapped WebSocket handler, by the path it is mapped to */
    static Map<String, Class<?>> in(ConfigurableListableBeanFactory factory) {
        Map<String, Class<?>> found = new LinkedHashMap<>();
        for (AbstractUrlHandlerMapping mapping : factory
                .getBeansOfType(AbstractUrlHandlerMapping.class, false, false).values()) {
            mapping.getHandlerMap().forEach((path, handler) -> {
                WebSocketHandler socket = handler instanceof WebSocketHttpRequestHandler plain
                        ? plain.getWebSocketHandler()
                        : handler instanceof SockJsHttpRequestHandler sockJs ? sockJs.getWebSocketHandler() : null;
                if (socket != null) {
                    found.put(path, AopUtils.getTargetClass(WebSocketHandlerDecorator.unwrap(socket)));
                }
            });
        }
        return found;
    }
}
