package dev.durablestash.benchmarks.http.stash;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The counter app on DurableStash. The storage comes from the arguments: {@code
 * --durable-stash.storage.type=memory} (the test backend) or {@code filesystem}.
 */
@SpringBootApplication
public class StashCounterApplication {

    /** @param args Spring Boot arguments, e.g. {@code --server.port=8081} */
    public static void main(String[] args) {
        SpringApplication.run(StashCounterApplication.class, args);
    }
}
