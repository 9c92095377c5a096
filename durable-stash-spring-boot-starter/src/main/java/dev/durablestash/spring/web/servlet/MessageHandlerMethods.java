package dev.durablestash.spring.web.servlet;

import java.util.ArrayList;
import java.util.List;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.messaging.handler.HandlerMethod;
import org.springframework.messaging.handler.invocation.AbstractMethodMessageHandler;

/**
 * Finds the message-handling methods of the application's controllers: those of every spring-messaging
 * method message handler bean (STOMP's {@code SimpAnnotationMethodMessageHandler}, which detected them
 * when it was initialised). The only class of the servlet check that uses spring-messaging types: call
 * it only when spring-messaging is on the classpath ({@link #HANDLER_CLASS}).
 */
final class MessageHandlerMethods {

    /** The class whose presence tells that spring-messaging is on the classpath. */
    static final String HANDLER_CLASS = "org.springframework.messaging.handler.invocation.AbstractMethodMessageHandler";

    private MessageHandlerMethods() {
    }

    /** @return the message-handling methods of every method message handler bean, in no set order */
    static List<MessageHandlerMethod> in(ConfigurableListableBeanFactory factory) {
        List<MessageHandlerMethod> found = new ArrayList<>();
        for (AbstractMethodMessageHandler<?> handler : factory
                .getBeansOfType(AbstractMethodMessageHandler.class, false, false).values()) {
            for (HandlerMethod method : handler.getHandlerMethods().values()) {
                found.add(new MessageHandlerMethod(method.getBeanType(), method.getMethod(),
                        List.of(method.getMethodParameters())));
            }
        }
        return found;
    }
}
