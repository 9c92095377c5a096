package dev.durablestash.spring.web.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import org.apache.catalina.loader.WebappClassLoaderBase;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.spring.web.servlet.badinput.BadInputApplication;

/**
 * An application's own servlet filter that takes the engine: filters are made while the embedded web
 * server starts, under its web application class loader, so the engine is built then. Its threads,
 * started later as work comes, carry the application's class loader, not that one (with which a
 * stopping servlet container reports a thread still running as a leak of the application): the
 * deadline timer's, the engine pool's (an idle actor is retired on it), and those of the filesystem
 * storage (its pool and its journal's committer).
 */
@SpringBootTest(classes = { BadInputApplication.class, FilterBuiltEngineThreadsMvcIntegrationTests.EngineFilter.class },
        webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "durable-stash.storage.type=filesystem",
                "durable-stash.storage.filesystem.journal=true", "durable-stash.actor.idle-timeout=200ms" })
class FilterBuiltEngineThreadsMvcIntegrationTests {

    @DynamicPropertySource
    static void directory(DynamicPropertyRegistry registry) throws IOException {
        String directory = Files.createTempDirectory("filter-built-engine").toString();
        registry.add("durable-stash.storage.filesystem.directory", () -> directory);
    }

    @Configuration(proxyBeanMethods = false)
    static class EngineFilter {

        static volatile ClassLoader builtUnder;

        @Bean
        Filter applicationFilterUsingTheEngine(StashAdapter adapter) {
            builtUnder = Thread.currentThread().getContextClassLoader();
            return new Filter() {
                @Override
                public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                        throws IOException, ServletException {
                    chain.doFilter(request, response);
                }
            };
        }
    }

    @LocalServerPort
    int port;

    @Test
    void theEngineBuiltWhileTheWebServerStartsStartsThreadsWithTheApplicationsClassLoader() throws Exception {
        assertThat(EngineFilter.builtUnder).as("the loader the engine was built under")
                .isInstanceOf(WebappClassLoaderBase.class);
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        Browser browser = new Browser(port);
        for (int i = 0; i < 5; i++) {
            assertThat(browser.post("/notes/add", "amount=3").statusCode()).isEqualTo(200);
        }
        List<Thread> started = startedSince(before);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (started.stream().noneMatch(thread -> thread.getName().matches("durable-stash-\\d+"))
                && System.nanoTime() < deadline) {
            Thread.sleep(20); // the actor, idle for 200 ms, is retired on the engine's pool
            started = startedSince(before);
        }
        assertThat(started.stream().map(Thread::getName).collect(Collectors.toList()))
                .as("the engine's threads started by the requests")
                .anySatisfy(name -> assertThat(name).matches("durable-stash-\\d+"))
                .anySatisfy(name -> assertThat(name).matches("durable-stash-fs-\\d+-\\d+"));
        // The journal's committer starts with the storage, the deadline timer with the first deadline.
        List<Thread> engineThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("durable-stash-")).toList();
        assertThat(engineThreads.stream().map(Thread::getName).collect(Collectors.toList()))
                .anySatisfy(name -> assertThat(name).startsWith("durable-stash-fs-journal-"))
                .anySatisfy(name -> assertThat(name).isEqualTo("durable-stash-deadlines"));
        assertThat(engineThreads).allSatisfy(thread -> assertThat(thread.getContextClassLoader())
                .as(thread.getName()).isNotInstanceOf(WebappClassLoaderBase.class));
    }

    private static List<Thread> startedSince(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> !before.contains(thread) && thread.getName().startsWith("durable-stash-"))
                .toList();
    }
}
