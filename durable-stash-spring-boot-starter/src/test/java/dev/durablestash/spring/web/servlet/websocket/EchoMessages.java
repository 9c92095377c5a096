package dev.durablestash.spring.web.servlet.websocket;

import org.springframework.messaging.handler.annotation.MessageMapping;
import org.springframework.messaging.handler.annotation.SendTo;
import org.springframework.stereotype.Controller;

/** STOMP message handlers on a controller without {@code @Stashed} fields. */
@Controller
class EchoMessages {

    @MessageMapping("/echo")
    @SendTo("/topic/echo")
    String echo(String text) {
        return "echo:" + text;
    }
}
