package dev.durablestash.sample.counter;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The "secure" profile: every page needs a login (Spring Security's own login and logout pages),
 * CSRF protection is on (the templates carry the token in {@code <meta name="_csrf">}, which
 * {@code /durable-stash.js} sends with the page's own requests). Two demo users with plain-text
 * passwords, for trying it out only: {@code ada}/{@code ada} and {@code bob}/{@code bob}.
 */
@Configuration(proxyBeanMethods = false)
@Profile("secure")
class SecureConfiguration {

    @Bean
    SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests((requests) -> requests
                        .requestMatchers("/durable-stash.js", "/sample.css", "/compose.js", "/webjars/**", "/error")
                        .permitAll()
                        .anyRequest().authenticated())
                .formLogin((form) -> form.defaultSuccessUrl("/", false));
        return http.build();
    }

    @Bean
    UserDetailsService users() {
        return new InMemoryUserDetailsManager(User.withUsername("ada").password("{noop}ada").roles("USER").build(),
                User.withUsername("bob").password("{noop}bob").roles("USER").build());
    }
}
