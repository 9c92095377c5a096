package dev.durablestash.spring.web.reactive.testapp;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A small Spring WebFlux app for the reactive integration tests: the controllers and routes in this
 * package. Spring Security and Spring MVC are on the test classpath too; the tests run this app as a
 * reactive one ({@code spring.main.web-application-type=reactive}) and leave security off.
 */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration" })
public class FluxTestApplication {
}
