package dev.durablestash.spring.web.reactive.viewlookups;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Controller;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;

/**
 * A view controller ({@link ProfileController}) that another view controller has injected
 * ({@link DashboardController}), and a singleton service that has it injected too ({@link Reporter}), which
 * under {@code spring.main.lazy-initialization} is first made in an exchange.
 */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration" })
public class FluxViewLookupsApplication {

    @Controller
    static class ProfileController {

        @Stashed
        String theme;

        @GetMapping("/profile/theme")
        @ResponseBody
        String theme() {
            return "theme=" + theme;
        }

        @PostMapping("/profile/theme")
        @ResponseBody
        String setTheme(@RequestParam String theme) {
            this.theme = theme;
            return "ok";
        }
    }

    /** The mistake: a view controller that has another view controller injected. */
    @Controller
    static class DashboardController {

        @Stashed
        int visits;

        private final ProfileController profile;

        DashboardController(ProfileController profile) {
            this.profile = profile;
        }

        @PostMapping("/dashboard/theme")
        @ResponseBody
        String setTheme(@RequestParam String theme) {
            visits++;
            profile.theme = theme;
            return "ok";
        }
    }

    /** The mistake: a singleton that holds a view controller. */
    @Service
    static class Reporter {

        final ProfileController profile;

        Reporter(ProfileController profile) {
            this.profile = profile;
        }
    }

    @RestController
    static class ReportController {

        private final Reporter reporter;

        ReportController(Reporter reporter) {
            this.reporter = reporter;
        }

        @PostMapping("/report/theme")
        String setTheme(@RequestParam String theme) {
            String before = "theme=" + reporter.profile.theme;
            reporter.profile.theme = theme;
            return before;
        }
    }
}
