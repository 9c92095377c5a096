package dev.durablestash.spring.web.servlet.badinput;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring MVC app with one view whose handlers take typed input, and no exception handlers of its own
 * (unlike the main test app, whose catch-all answers every exception): Spring MVC's own answers to bad
 * requests are what a client sees.
 */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration" })
public class BadInputApplication {
}
