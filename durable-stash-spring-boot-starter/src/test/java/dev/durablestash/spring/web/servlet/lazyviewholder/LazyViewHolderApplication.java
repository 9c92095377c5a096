package dev.durablestash.spring.web.servlet.lazyviewholder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Controller;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;

/**
 * A singleton service that has a view controller injected, run with {@code spring.main.lazy-initialization}:
 * the service is first made inside a request, where the view controller can be made too.
 */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration" })
public class LazyViewHolderApplication {

    @Controller
    static class CounterController {

        @Stashed
        int count;

        private final ObjectProvider<Reporter> reporter;

        CounterController(ObjectProvider<Reporter> reporter) {
            this.reporter = reporter;
        }

        @PostMapping("/count")
        @ResponseBody
        String increment() {
            count++;
            return Integer.toString(count);
        }

        /** Makes the reporter in a request that this controller handles: its own instance is the request's. */
        @PostMapping("/count/reported")
        @ResponseBody
        String incrementReported() {
            reporter.getObject().counter.count++;
            return Integer.toString(count);
        }
    }

    /** The mistake: a singleton that holds a view controller. */
    @Service
    static class Reporter {

        final CounterController counter;

        Reporter(CounterController counter) {
            this.counter = counter;
        }
    }

    @RestController
    static class ReportController {

        private final Reporter reporter;

        ReportController(Reporter reporter) {
            this.reporter = reporter;
        }

        @GetMapping("/report")
        String report() {
            reporter.counter.count++;
            return Integer.toString(reporter.counter.count);
        }
    }
}
