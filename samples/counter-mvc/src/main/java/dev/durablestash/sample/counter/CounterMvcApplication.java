package dev.durablestash.sample.counter;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The counter-and-draft sample: a Spring MVC + Thymeleaf app whose state lives in
 * {@code @Stashed} fields of {@link CounterController} and survives navigation, reconnects and
 * restarts.
 */
@SpringBootApplication
public class CounterMvcApplication {

    /**
     * Starts the sample.
     *
     * @param args Spring Boot command-line arguments, e.g. {@code --server.port=8081}
     */
    public static void main(String[] args) {
        SpringApplication.run(CounterMvcApplication.class, args);
    }
}
