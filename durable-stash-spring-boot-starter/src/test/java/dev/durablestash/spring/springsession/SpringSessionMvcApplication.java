package dev.durablestash.spring.springsession;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.session.MapSessionRepository;
import org.springframework.session.config.annotation.web.http.EnableSpringHttpSession;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.web.servlet.BrowserSession;

/**
 * An application that already uses Spring Session (its {@code MapSessionRepository} through
 * {@code @EnableSpringHttpSession}) and Spring Security's form login, and moves a note from an
 * {@code HttpSession} attribute ({@code legacy}) to a {@code @Stashed} field step by step: the page
 * writes both and shows both. CSRF is off so the tests can post without a token.
 */
@SpringBootApplication
@EnableSpringHttpSession
public class SpringSessionMvcApplication {

    /** What a filter between Spring Session's filter and the sid filter saw of each request. */
    static final List<String> BETWEEN = new CopyOnWriteArrayList<>();

    /** Requests inside the outermost filter: Spring Session saves the session in its filter's last step. */
    static final AtomicInteger IN_FLIGHT = new AtomicInteger();

    static volatile CountDownLatch SLOW_ENTERED = new CountDownLatch(1);
    static volatile CountDownLatch SLOW_RELEASE = new CountDownLatch(1);

    @Bean
    MapSessionRepository sessionRepository() {
        return new MapSessionRepository(new ConcurrentHashMap<>());
    }

    @Bean
    SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests((requests) -> requests.anyRequest().permitAll())
                .formLogin((form) -> form.defaultSuccessUrl("/note", true))
                .logout((logout) -> logout.logoutSuccessUrl("/note"))
                .csrf((csrf) -> csrf.disable());
        return http.build();
    }

    @Bean
    UserDetailsService users() {
        return new InMemoryUserDetailsManager(User.withUsername("ada").password("{noop}ada-pw").roles("USER").build(),
                User.withUsername("bob").password("{noop}bob-pw").roles("USER").build());
    }

    /** Records, for each request, whether Spring Session wrapped it already and the sid filter did not yet run. */
    @Bean
    FilterRegistrationBean<Filter> betweenProbe() {
        Filter probe = (request, response, chain) -> {
            HttpServletRequest http = (HttpServletRequest) request;
            BETWEEN.add(http.getRequestURI() + " wrapped=" + http.getClass().getSimpleName()
                    + " browserSession=" + (BrowserSession.find(http) != null));
            chain.doFilter(request, response);
        };
        FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(probe);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 55);
        return registration;
    }

    /** Counts requests until Spring Session's filter, inside it, has returned. */
    @Bean
    FilterRegistrationBean<Filter> outermost() {
        Filter counter = (request, response, chain) -> {
            IN_FLIGHT.incrementAndGet();
            try {
                chain.doFilter(request, response);
            } finally {
                IN_FLIGHT.decrementAndGet();
            }
        };
        FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(counter);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    @Controller
    @StashedView(name = "note")
    static class NoteController {

        @Stashed String note;

        @GetMapping("/note")
        @ResponseBody
        String show(HttpServletRequest request) {
            HttpSession session = request.getSession(false);
            return "note=" + note + ";legacy=" + (session == null ? null : session.getAttribute("legacy"))
                    + ";user=" + (request.getUserPrincipal() == null ? null : request.getUserPrincipal().getName());
        }

        @PostMapping("/note")
        @ResponseBody
        String save(@RequestParam String note, HttpServletRequest request) {
            this.note = note;
            request.getSession().setAttribute("legacy", note);
            return "saved";
        }

        /** Saves the note (in both places), then waits until a test lets the request finish. */
        @PostMapping("/note/slow")
        @ResponseBody
        String saveSlowly(@RequestParam String note, HttpServletRequest request) throws InterruptedException {
            this.note = note;
            request.getSession().setAttribute("legacy", note);
            SLOW_ENTERED.countDown();
            SLOW_RELEASE.await(10, TimeUnit.SECONDS);
            return "saved";
        }
    }

    /** A page with no stashed view, which only reads the session attribute. */
    @Controller
    static class PlainController {

        @GetMapping("/plain")
        @ResponseBody
        String plain(HttpServletRequest request) {
            HttpSession session = request.getSession(false);
            return "legacy=" + (session == null ? null : session.getAttribute("legacy"));
        }
    }
}
