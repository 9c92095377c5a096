package dev.durablestash.spring.web.servlet.declarations;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A handler mapping that maps a view controller's handler methods without the starter's interceptor (here one
 * made before the bean post-processors, since one of them depends on it) would serve them without recovering
 * or stashing anything: startup fails, naming the handler, the view and the mapping.
 */
class HandlerMappingWithoutTheInterceptorTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt")
            .allow(Level.WARN, "Bean 'earlyMapping' of type [" + RequestMappingHandlerMapping.class.getName()
                    + "] is not eligible for getting processed by all BeanPostProcessors");

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                    DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                    WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @Test
    void aViewControllerMappedByAHandlerMappingMadeBeforeThePostProcessorsFailsStartup() {
        contextRunner.withUserConfiguration(CounterController.class, EarlyMappingConfiguration.class)
                .run((context) -> {
                    assertThat(context).hasFailed();
                    Throwable root = context.getStartupFailure();
                    while (root.getCause() != null && root.getCause() != root) {
                        root = root.getCause();
                    }
                    assertThat(root).isInstanceOf(IllegalStateException.class);
                    assertThat(root.getMessage()).contains(CounterController.class.getName() + ".count",
                            "CounterController#increment", "'earlyMapping'", "lacks the starter's interceptor");
                });
    }

    @RestController
    static class CounterController {

        @Stashed int count;

        @PostMapping("/counter/increment")
        String increment() {
            return "count=" + ++count;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class EarlyMappingConfiguration {

        @Bean
        static RequestMappingHandlerMapping earlyMapping() {
            RequestMappingHandlerMapping mapping = new RequestMappingHandlerMapping();
            mapping.setOrder(-1);
            return mapping;
        }

        /** Makes {@code earlyMapping} while the bean post-processors are made, before the starter's is used. */
        @Bean
        static BeanPostProcessor postProcessorUsingTheMapping(
                @Qualifier("earlyMapping") RequestMappingHandlerMapping mapping) {
            return new BeanPostProcessor() {
            };
        }
    }
}
