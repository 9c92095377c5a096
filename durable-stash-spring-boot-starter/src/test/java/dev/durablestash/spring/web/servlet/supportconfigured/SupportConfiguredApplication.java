package dev.durablestash.spring.web.servlet.supportconfigured;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Configuration;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurationSupport;

import dev.durablestash.spring.Stashed;

/**
 * An app that configures Spring MVC by extending {@link WebMvcConfigurationSupport}, as Spring documents for
 * advanced setups: Spring Boot's MVC auto-configuration backs off, and no {@code WebMvcConfigurer} is applied.
 * Spring Security is on the test classpath; this app leaves it off.
 */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration" })
public class SupportConfiguredApplication {

    @Configuration(proxyBeanMethods = false)
    static class WebConfig extends WebMvcConfigurationSupport {
    }

    /** A view controller. */
    @Controller
    static class CountController {

        @Stashed int count;

        @GetMapping("/count")
        @ResponseBody
        String show() {
            return "count=" + count;
        }

        @PostMapping("/count/increment")
        @ResponseBody
        String increment() {
            count++;
            return "count=" + count;
        }
    }

    /** A view taken as a handler argument. */
    static class Tally {

        @Stashed int marks;
    }

    @Controller
    static class TallyController {

        @PostMapping("/tally/mark")
        @ResponseBody
        String mark(Tally tally) {
            tally.marks++;
            return "marks=" + tally.marks;
        }
    }
}
