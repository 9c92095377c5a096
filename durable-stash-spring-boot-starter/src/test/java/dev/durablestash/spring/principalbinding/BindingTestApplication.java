package dev.durablestash.spring.principalbinding;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.logout.SimpleUrlLogoutSuccessHandler;
import org.springframework.security.web.authentication.switchuser.SwitchUserFilter;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.web.servlet.BrowserSession;

/**
 * A Spring Security app for attacking the principal binding: form login, HTTP Basic, remember-me,
 * switch-user, a programmatic login inside a stashed view, and pages outside the security filter chain
 * ({@code /outside/**}, as with a chain scoped by {@code securityMatcher}). CSRF is off so tests can post.
 */
@SpringBootApplication
public class BindingTestApplication {

    static volatile CountDownLatch SLOW_ENTERED = new CountDownLatch(1);
    static volatile CountDownLatch SLOW_RELEASE = new CountDownLatch(1);

    @Bean
    SecurityFilterChain securityFilterChain(HttpSecurity http, UserDetailsService users) throws Exception {
        SwitchUserFilter switchUser = new SwitchUserFilter();
        switchUser.setUserDetailsService(users);
        switchUser.setSwitchUserMatcher((request) -> "POST".equals(request.getMethod())
                && request.getRequestURI().equals("/impersonate"));
        switchUser.setExitUserMatcher((request) -> "POST".equals(request.getMethod())
                && request.getRequestURI().equals("/impersonate/exit"));
        switchUser.setTargetUrl("/notes");
        switchUser.afterPropertiesSet();
        http.securityMatcher((request) -> !request.getRequestURI().startsWith("/outside/"))
                .authorizeHttpRequests((requests) -> requests.anyRequest().permitAll())
                .formLogin((form) -> form.defaultSuccessUrl("/notes", true))
                .httpBasic(Customizer.withDefaults())
                .rememberMe((rememberMe) -> rememberMe.key("review-remember-me-key"))
                .logout((logout) -> logout.logoutSuccessHandler(redirectToNotes()))
                .addFilterAfter(switchUser, AuthorizationFilter.class)
                .csrf((csrf) -> csrf.disable());
        return http.build();
    }

    private static SimpleUrlLogoutSuccessHandler redirectToNotes() {
        SimpleUrlLogoutSuccessHandler handler = new SimpleUrlLogoutSuccessHandler();
        handler.setDefaultTargetUrl("/notes");
        return handler;
    }

    @Bean
    UserDetailsService users() {
        return new InMemoryUserDetailsManager(User.withUsername("ada").password("{noop}ada-pw").roles("USER").build(),
                User.withUsername("bob").password("{noop}bob-pw").roles("USER").build(),
                User.withUsername("admin").password("{noop}admin-pw").roles("USER", "ADMIN").build());
    }

    @Controller
    @StashedView(name = "notes")
    static class NotesController {

        @Stashed String note;

        @GetMapping({ "/notes", "/outside/notes" })
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

        /** A handler that fails. */
        @GetMapping("/notes/fail")
        @ResponseBody
        String fail() {
            throw new IllegalStateException("the handler failed");
        }

        /** Reads the note, then waits until a test lets the request finish. */
        @GetMapping("/notes/slow")
        @ResponseBody
        String showSlowly() throws InterruptedException {
            SLOW_ENTERED.countDown();
            SLOW_RELEASE.await(10, TimeUnit.SECONDS);
            return "note=" + note;
        }

        /** Saves the note on another thread (a deferred result). */
        @PostMapping("/notes/async")
        @ResponseBody
        CompletableFuture<String> saveAsync(@RequestParam String note) {
            return CompletableFuture.supplyAsync(() -> {
                this.note = note;
                return "saved";
            });
        }

        /**
         * A login done by the application itself (Spring Security's "storing the SecurityContext
         * manually"), in a handler of a stashed view, which then stores something for the user.
         */
        @PostMapping("/notes/sign-in")
        @ResponseBody
        String signInAndSave(@RequestParam String user, @RequestParam String note, HttpServletRequest request,
                HttpServletResponse response) {
            SecurityContext context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(user, null,
                    AuthorityUtils.createAuthorityList("ROLE_USER")));
            SecurityContextHolder.setContext(context);
            new HttpSessionSecurityContextRepository().saveContext(context, request, response);
            this.note = note;
            return "saved";
        }

        /**
         * An account switcher as docs/spring.md shows it (rotate() after the change of user), in a
         * handler of a stashed view: the user signs in as another user, then the sid is rotated.
         */
        @PostMapping("/notes/switch-account")
        @ResponseBody
        String switchAccount(@RequestParam String user, HttpServletRequest request, HttpServletResponse response) {
            SecurityContext context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(user, null,
                    AuthorityUtils.createAuthorityList("ROLE_USER")));
            SecurityContextHolder.setContext(context);
            new HttpSessionSecurityContextRepository().saveContext(context, request, response);
            BrowserSession.of(request).rotate();
            return "switched";
        }
    }
}
