package dev.durablestash.spring.security;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
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

    @Bean
    SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests((requests) -> requests.anyRequest().permitAll())
                .formLogin((form) -> form.defaultSuccessUrl("/notes", true))
                .logout((logout) -> logout.logoutSuccessUrl("/notes"))
                .csrf((csrf) -> csrf.disable());
        return http.build();
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
    }
}
