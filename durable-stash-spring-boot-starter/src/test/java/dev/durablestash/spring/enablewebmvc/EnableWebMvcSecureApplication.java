package dev.durablestash.spring.enablewebmvc;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
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
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

import dev.durablestash.spring.Stashed;

/**
 * A Spring MVC app that configures MVC itself with {@code @EnableWebMvc} (so Spring Boot's MVC
 * auto-configuration, and with it its request context filter, backs off), with Spring Security's form
 * login and logout. CSRF is off so the test can post without a token.
 */
@SpringBootApplication
@EnableWebMvc
public class EnableWebMvcSecureApplication {

    @Bean
    SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
        SimpleUrlLogoutSuccessHandler loggedOut = new SimpleUrlLogoutSuccessHandler();
        loggedOut.setDefaultTargetUrl("/notes");
        return http.authorizeHttpRequests((requests) -> requests.anyRequest().permitAll())
                .formLogin((form) -> form.defaultSuccessUrl("/notes", true))
                .logout((logout) -> logout.logoutSuccessHandler(loggedOut))
                .csrf((csrf) -> csrf.disable())
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
}
