package dev.durablestash.spring.security;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.logout.SimpleUrlLogoutSuccessHandler;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

/**
 * An app with Spring Security's form login and two in-memory users. Anyone may keep a note (a
 * stashed view); CSRF is off here so the tests can post without a token (the sample's secure profile
 * runs with it on).
 */
@SpringBootApplication
public class SecureTestApplication {

    static volatile CountDownLatch SLOW_ENTERED = new CountDownLatch(1);
    static volatile CountDownLatch SLOW_RELEASE = new CountDownLatch(1);

    @Bean
    SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests((requests) -> requests.anyRequest().permitAll())
                .formLogin((form) -> form.defaultSuccessUrl("/notes", true))
                .httpBasic(Customizer.withDefaults())
                .rememberMe((rememberMe) -> rememberMe.key("test-remember-me-key"))
                .logout((logout) -> logout.logoutSuccessHandler(redirectToNotes()))
                .csrf((csrf) -> csrf.disable());
        return http.build();
    }

    /** Explicit, so that HTTP Basic's content negotiation does not answer a logout with 204. */
    private static SimpleUrlLogoutSuccessHandler redirectToNotes() {
        SimpleUrlLogoutSuccessHandler handler = new SimpleUrlLogoutSuccessHandler();
        handler.setDefaultTargetUrl("/notes");
        return handler;
    }

    @Bean
    UserDetailsService users() {
        return new InMemoryUserDetailsManager(User.withUsername("ada").password("{noop}ada-pw").roles("USER").build(),
                User.withUsername("bob").password("{noop}bob-pw").roles("USER").build());
    }

    @Controller
    @StashedView(name = "notes")
    static class NotesController {

        @Stashed String note;

        @GetMapping("/notes")
        @ResponseBody
        String show() {
            return "note=" + note;
        }

        @PostMapping("/notes")
        @ResponseBody
        String save(@RequestParam String note) {
            this.note = note;
            return "saved";
        }

        /** Saves the note, then waits until a test lets the request finish. */
        @PostMapping("/notes/slow")
        @ResponseBody
        String saveSlowly(@RequestParam String note) throws InterruptedException {
            this.note = note;
            SLOW_ENTERED.countDown();
            SLOW_RELEASE.await(10, TimeUnit.SECONDS);
            return "saved";
        }
    }
}
