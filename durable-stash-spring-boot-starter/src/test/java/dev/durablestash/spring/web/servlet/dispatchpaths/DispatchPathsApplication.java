package dev.durablestash.spring.web.servlet.dispatchpaths;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring MVC app for the less-travelled dispatch paths: error dispatches, {@code @InitBinder}
 * methods, forms without a length, redirects and CORS preflights. What the advice and the binder
 * methods saw is recorded in {@link #SEEN}.
 */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration" })
public class DispatchPathsApplication {

    /** One line per call of the advice's or the binder's method: where, which instance, what it held. */
    static final List<String> SEEN = new CopyOnWriteArrayList<>();
}
