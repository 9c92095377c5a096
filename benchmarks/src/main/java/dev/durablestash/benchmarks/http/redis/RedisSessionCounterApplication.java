package dev.durablestash.benchmarks.http.redis;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.session.data.redis.config.annotation.web.http.EnableRedisHttpSession;

import dev.durablestash.benchmarks.http.session.SessionCounterController;

/**
 * The counter app on Spring Session Data Redis ({@code RedisSessionRepository}, Lettuce), against the
 * redis-server on {@code 127.0.0.1:${bench.redis.port}} that benchmarks/run.sh starts.
 */
@SpringBootApplication(excludeName = {
    "dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration",
    "dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration",
    "dev.durablestash.spring.security.DurableStashSecurityAutoConfiguration",
    "dev.durablestash.spring.autoconfigure.DurableStashReactiveAutoConfiguration",
    "dev.durablestash.spring.security.DurableStashReactiveSecurityAutoConfiguration",
    "dev.durablestash.spring.health.DurableStashHealthAutoConfiguration",
    "dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration",
})
@EnableRedisHttpSession
@Import(SessionCounterController.class)
public class RedisSessionCounterApplication {

    @Bean
    LettuceConnectionFactory redisConnectionFactory(@Value("${bench.redis.port:6379}") int port) {
        return new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port));
    }

    /** @param args Spring Boot arguments, e.g. {@code --server.port=8081 --bench.redis.port=6390} */
    public static void main(String[] args) {
        SpringApplication.run(RedisSessionCounterApplication.class, args);
    }
}
