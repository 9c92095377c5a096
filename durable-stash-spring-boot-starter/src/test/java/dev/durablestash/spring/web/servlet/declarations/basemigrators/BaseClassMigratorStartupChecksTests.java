package dev.durablestash.spring.web.servlet.declarations.basemigrators;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;

import dev.durablestash.spring.ViewMigrator;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A migrator for the abstract base class of the views (the view is 'WizardController', a subclass) would be for
 * view name 'BaseStepsController', which no view has: it would never run, and the view's next vsn would drop
 * every stored slice. Made from the class, it is refused at once; made from the name, startup fails.
 */
class BaseClassMigratorStartupChecksTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                    DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                    WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory")
            .withInitializer((context) -> AutoConfigurationPackages.register(
                    (BeanDefinitionRegistry) context.getBeanFactory(), WizardController.class.getPackageName()))
            .withUserConfiguration(WizardController.class);

    private static Throwable root(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root;
    }

    @Test
    void aViewMigratorMadeFromTheAbstractBaseClassOfTheViewsIsRefused() {
        contextRunner.withBean("stepsMigrator", ViewMigrator.class, () -> ViewMigrator.of(BaseStepsController.class,
                (storedVsn, data) -> data)).run((context) -> {
                    assertThat(context).as("a migrator for the views' abstract base class").hasFailed();
                    assertThat(root(context.getStartupFailure())).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining(BaseStepsController.class.getName() + " is abstract");
                });
    }

    @Test
    void aViewMigratorForTheNameOfTheAbstractBaseClassOfTheViewsFailsStartup() {
        contextRunner.withBean("stepsMigrator", ViewMigrator.class, () -> ViewMigrator.of("BaseStepsController",
                (storedVsn, data) -> data)).run((context) -> {
                    assertThat(context).as("a migrator for view 'BaseStepsController', which no view has").hasFailed();
                    assertThat(root(context.getStartupFailure())).isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("is for view 'BaseStepsController', but no view has that name");
                });
    }
}
