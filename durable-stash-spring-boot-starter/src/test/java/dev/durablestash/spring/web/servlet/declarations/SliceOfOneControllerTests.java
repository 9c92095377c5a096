package dev.durablestash.spring.web.servlet.declarations;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;

import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.spring.web.servlet.declarations.slice.SlicedController;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A test slice such as {@code @WebMvcTest(CounterController.class)} makes only one controller a
 * bean. A state class that another controller of the application's packages takes as an argument
 * of a package-private handler method (the way the README writes handlers) is used, so the package
 * scan must not refuse it.
 */
class SliceOfOneControllerTests {

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                    DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                    WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @Test
    void aStateClassTakenByAPackagePrivateHandlerOfAControllerOutsideTheSlicePassesTheScan() {
        contextRunner.withInitializer((context) -> AutoConfigurationPackages.register(
                (BeanDefinitionRegistry) context.getBeanFactory(), SlicedController.class.getPackageName()))
                .withUserConfiguration(SlicedController.class)
                .run((context) -> assertThat(context).hasNotFailed());
    }
}
