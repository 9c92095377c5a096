package dev.durablestash.spring.web.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;

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

import dev.durablestash.core.StashAdapter;
import dev.durablestash.spring.web.servlet.badinput.BadInputApplication;

/**
 * An application's own servlet filter that takes the engine: filters are made while the embedded web
 * server starts, under its web application class loader, so the engine is built then. Its threads,
 * started later as work comes, carry the application's class loader, not that one (with which a
 * stopping servlet container reports a thread still running as a leak of the application).
 */
@SpringBootTest(classes = { BadInputApplication.class, FilterBuiltEngineThreadsMvcIntegrationTests.EngineFilter.class },
        webEnvironment = WebEnvironment.RANDOM_PORT, properties = { "durable-stash.storage.type=memory" })
class FilterBuiltEngineThreadsMvcIntegrationTests {

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
    void theEngineBuiltWhileTheWebServerStartsStartsThreadsWithTheApplicationsClassLoader() {
        assertThat(EngineFilter.builtUnder).as("the loader the engine was built under")
                .isInstanceOf(WebappClassLoaderBase.class);
        assertThat(new Browser(port).post("/notes/add", "amount=3").statusCode()).isEqualTo(200);
        List<Thread> engineThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("durable-stash-deadlines")
                        || thread.getName().matches("durable-stash-\\d+"))
                .toList();
        assertThat(engineThreads).isNotEmpty().allSatisfy(thread -> assertThat(thread.getContextClassLoader())
                .as(thread.getName()).isNotInstanceOf(WebappClassLoaderBase.class));
    }
}
