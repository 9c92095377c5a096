package dev.durablestash.spring.web.servlet;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.servlet.handler.AbstractUrlHandlerMapping;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.handler.BeanCreatingHandlerProvider;
import org.springframework.web.socket.handler.PerConnectionWebSocketHandler;
import org.springframework.web.socket.handler.WebSocketHandlerDecorator;
import org.springframework.web.socket.server.support.WebSocketHttpRequestHandler;
import org.springframework.web.socket.sockjs.support.SockJsHttpRequestHandler;

/**
 * Finds the classes of the application's WebSocket handlers (registered with a
 * {@code WebSocketConfigurer}, with or without SockJS), under their decorators, and, for a
 * {@link PerConnectionWebSocketHandler}, the class it makes for each connection. The only class of the
 * servlet check that uses spring-websocket types: call it only when spring-websocket is on the classpath
 * ({@link #HANDLER_CLASS}).
 */
final class WebSocketHandlerTypes {

    /** The class whose presence tells that spring-websocket is on the classpath. */
    static final String HANDLER_CLASS = "org.springframework.web.socket.server.support.WebSocketHttpRequestHandler";

    /**
     * The field of {@link PerConnectionWebSocketHandler} that holds what makes its handlers, which it does not
     * expose; {@code null} if a Spring version names it otherwise (its handlers' class is then not known).
     */
    private static final @Nullable Field PER_CONNECTION_PROVIDER = perConnectionProvider();

    private WebSocketHandlerTypes() {
    }

    /**
     * A WebSocket handler's class.
     *
     * @param type the class of the instance that handles the connections, or of those a
     *     {@link PerConnectionWebSocketHandler} makes for each connection
     * @param perConnection whether a {@code PerConnectionWebSocketHandler} makes one for each connection
     */
    record Found(Class<?> type, boolean perConnection) {
    }

    /** @return whether {@code type} is a WebSocket handler (spring-websocket's {@link WebSocketHandler}) */
    static boolean isHandler(Class<?> type) {
        return WebSocketHandler.class.isAssignableFrom(type);
    }

    /**
     * @return the classes of each URL-mapped WebSocket handler, by the path it is mapped to: each decorator
     *     around it, outermost first, then the handler (or the class of those made for each connection)
     */
    static Map<String, List<Found>> in(ConfigurableListableBeanFactory factory) {
        Map<String, List<Found>> found = new LinkedHashMap<>();
        for (AbstractUrlHandlerMapping mapping : factory
                .getBeansOfType(AbstractUrlHandlerMapping.class, false, false).values()) {
            mapping.getHandlerMap().forEach((path, handler) -> {
                WebSocketHandler socket = handler instanceof WebSocketHttpRequestHandler plain
                        ? plain.getWebSocketHandler()
                        : handler instanceof SockJsHttpRequestHandler sockJs ? sockJs.getWebSocketHandler() : null;
                if (socket != null) {
                    List<Found> chain = new ArrayList<>();
                    WebSocketHandler unwrapped = socket;
                    while (unwrapped instanceof WebSocketHandlerDecorator decorator) {
                        chain.add(new Found(AopUtils.getTargetClass(decorator), false)); // may hold fields too
                        unwrapped = decorator.getDelegate();
                    }
                    Class<?> perConnection = unwrapped instanceof PerConnectionWebSocketHandler each
                            ? perConnectionType(each) : null;
                    chain.add(perConnection != null ? new Found(perConnection, true)
                            : new Found(AopUtils.getTargetClass(unwrapped), false));
                    found.put(path, chain);
                }
            });
        }
        return found;
    }

    /** @return the class of the handlers it makes, or {@code null} when it cannot be read */
    private static @Nullable Class<?> perConnectionType(PerConnectionWebSocketHandler handler) {
        Field field = PER_CONNECTION_PROVIDER;
        return field != null && ReflectionUtils.getField(field, handler) instanceof BeanCreatingHandlerProvider<?> provider
                ? provider.getHandlerType() : null;
    }

    private static @Nullable Field perConnectionProvider() {
        Field field = ReflectionUtils.findField(PerConnectionWebSocketHandler.class, "provider",
                BeanCreatingHandlerProvider.class);
        if (field != null) {
            ReflectionUtils.makeAccessible(field);
        }
        return field;
    }
}
