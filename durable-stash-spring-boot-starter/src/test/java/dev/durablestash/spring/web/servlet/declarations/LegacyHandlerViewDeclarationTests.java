package dev.durablestash.spring.web.servlet.declarations;

import ch.qos.logback.classic.Level;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.stereotype.Controller;
import org.springframework.web.HttpRequestHandler;
import org.springframework.web.servlet.ModelAndView;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A controller with {@code @Stashed} fields that handles requests as Spring MVC's {@code Controller} interface
 * or as an {@link HttpRequestHandler} (mapped by its bean name, say) fails startup: only
 * {@code @RequestMapping} handler methods recover and stash a view, so its fields would never be stored.
 */
class LegacyHandlerViewDeclarationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                    DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                    WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @Test
    void aViewControllerImplementingSpringMvcsControllerInterfaceFailsStartup() {
        contextRunner.withUserConfiguration(LegacyCounter.class).run((context) -> assertFailedNaming(context,
                LegacyCounter.class.getName() + ".legacyCount", "org.springframework.web.servlet.mvc.Controller",
                "@RequestMapping"));
    }

    @Test
    void aViewControllerThatIsAnHttpRequestHandlerFailsStartup() {
        contextRunner.withUserConfiguration(CountingRequestHandler.class).run((context) -> assertFailedNaming(
                context, CountingRequestHandler.class.getName() + ".hits", "HttpRequestHandler", "@RequestMapping"));
    }

    private static void assertFailedNaming(AssertableWebApplicationContext context, String... parts) {
        assertThat(context).hasFailed();
        Throwable root = context.getStartupFailure();
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        assertThat(root).isInstanceOf(IllegalStateException.class);
        assertThat(root.getMessage()).contains(parts);
    }

    /** Mapped by its bean name (Spring Boot's {@code BeanNameUrlHandlerMapping}). */
    @Controller("/legacy/increment")
    static class LegacyCounter implements org.springframework.web.servlet.mvc.Controller {

        @Stashed int legacyCount;

        @Override
        public ModelAndView handleRequest(HttpServletRequest request, HttpServletResponse response)
                throws Exception {
            legacyCount++;
            response.getWriter().write("legacyCount=" + legacyCount);
            return null;
        }
    }

    @Controller("/legacy/hits")
    static class CountingRequestHandler implements HttpRequestHandler {

        @Stashed int hits;

        @Override
        public void handleRequest(HttpServletRequest request, HttpServletResponse response) {
            hits++;
        }
    }
}
