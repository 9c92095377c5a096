package dev.durablestash.sample.counter;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The counter-and-draft sample on Spring WebFlux: a reactive (Netty) + Thymeleaf app whose state
 * lives in {@code @Stashed} fields of {@link CounterController} and survives navigation, reconnects
 * and restarts. The same pages as the Spring MVC sample.
 */
@SpringBootApplication
public class CounterWebFluxApplication {

    /**
     * Starts the sample.
     *
     * @param args Spring Boot command-line arguments, e.g. {@code --server.port=8081}
     */
    public static void main(String[] args) {
        SpringApplication.run(CounterWebFluxApplication.class, args);
    }
}
