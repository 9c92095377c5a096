package dev.durablestash.spring.web.servlet.testapp;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A small Spring MVC app for the integration tests: memory storage, the controllers in this package.
 * Spring Security is on the test classpath (for the security tests' own app); this one leaves it off.
 */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration" })
public class MvcTestApplication {
}
