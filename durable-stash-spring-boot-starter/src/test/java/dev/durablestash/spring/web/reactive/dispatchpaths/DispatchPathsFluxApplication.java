package dev.durablestash.spring.web.reactive.dispatchpaths;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring WebFlux app for the less-travelled paths: a handler that fails, forms without a length,
 * a redirect right after a change, CORS preflights and HEAD requests. Run as a reactive application.
 */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration" })
public class DispatchPathsFluxApplication {
}
