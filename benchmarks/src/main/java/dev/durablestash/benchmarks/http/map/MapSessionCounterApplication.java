package dev.durablestash.benchmarks.http.map;

import java.util.concurrent.ConcurrentHashMap;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.session.MapSessionRepository;
import org.springframework.session.config.annotation.web.http.EnableSpringHttpSession;

import dev.durablestash.benchmarks.http.session.SessionCounterController;

/** The counter app on Spring Session's {@link MapSessionRepository} (sessions in a map in this JVM). */
@SpringBootApplication(excludeName = {
    "dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration",
    "dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration",
    "dev.durablestash.spring.security.DurableStashSecurityAutoConfiguration",
    "dev.durablestash.spring.autoconfigure.DurableStashReactiveAutoConfiguration",
    "dev.durablestash.spring.security.DurableStashReactiveSecurityAutoConfiguration",
    "dev.durablestash.spring.health.DurableStashHealthAutoConfiguration",
    "dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration",
})
@EnableSpringHttpSession
@Import(SessionCounterController.class)
public class MapSessionCounterApplication {

    @Bean
    MapSessionRepository sessionRepository() {
        return new MapSessionRepository(new ConcurrentHashMap<>());
    }

    /** @param args Spring Boot arguments, e.g. {@code --server.port=8081} */
    public static void main(String[] args) {
        SpringApplication.run(MapSessionCounterApplication.class, args);
    }
}
