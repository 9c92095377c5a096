package dev.durablestash.spring.logoutcsrf;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stashed;

/**
 * An app with Spring Security's form login, CSRF protection on (its default), and the logout at a
 * path of its own, {@code /sign-out}. {@code GET /token} answers the CSRF token a page would carry.
 */
@SpringBootApplication
public class CsrfLogoutApplication {

    @Bean
    SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
        return http.authorizeHttpRequests((requests) -> requests.anyRequest().permitAll())
                .formLogin((form) -> form.defaultSuccessUrl("/notes", true))
                .logout((logout) -> logout.logoutUrl("/sign-out").logoutSuccessUrl("/notes"))
                .build();
    }

    @Bean
    UserDetailsService users() {
        return new InMemoryUserDetailsManager(User.withUsername("ada").password("{noop}ada-pw").roles("USER").build());
    }

    @Controller
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

    @Controller
    static class TokenController {

        @GetMapping("/token")
        @ResponseBody
        String token(CsrfToken token) {
            return token.getToken();
        }
    }
}
