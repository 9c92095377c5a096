package dev.durablestash.spring.web.servlet.websocket;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring MVC app with WebSockets: a view controller for its pages, STOMP message handlers on a
 * controller without {@code @Stashed} fields, and plain WebSocket handlers, one of which keeps state
 * of the browser session through the engine. Memory storage; Spring Security left off.
 */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration" })
public class WebSocketTestApplication {
}
