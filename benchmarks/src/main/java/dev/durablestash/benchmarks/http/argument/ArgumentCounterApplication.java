package dev.durablestash.benchmarks.http.argument;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The counter app on DurableStash with the count in a view taken as a handler-method argument: the
 * controller stays a singleton, so no controller is made per request. In-memory storage.
 */
@SpringBootApplication
public class ArgumentCounterApplication {

    /** @param args Spring Boot arguments, e.g. {@code --server.port=8081} */
    public static void main(String[] args) {
        SpringApplication.run(ArgumentCounterApplication.class, args);
    }
}
