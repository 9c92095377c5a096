package dev.durablestash.spring.web.servlet.declarations;

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
import dev.durablestash.spring.web.servlet.declarations.migrators.VersionedController;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code ViewMigrator} for a view name no view has would never run, and a vsn bump would then drop every
 * stored slice: once every view is known it fails startup, naming the name and the nearest view name. A view
 * the application defines for the engine itself (a {@code ViewDefinition} named in its classes) counts.
 */
class MigratorStartupChecksTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            // The startup failures these tests provoke; each test asserts its failure and the message.
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                    DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                    WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory")
            .withInitializer((context) -> AutoConfigurationPackages.register(
                    (BeanDefinitionRegistry) context.getBeanFactory(), VersionedController.class.getPackageName()))
            .withUserConfiguration(VersionedController.class);

    @Test
    void aViewMigratorForAViewNameNoViewHasFailsStartupNamingTheNearestView() {
        contextRunner.withBean("counterMigrator", ViewMigrator.class, () -> ViewMigrator.of("VersionedControler",
                (storedVsn, data) -> data)).run((context) -> {
                    assertThat(context).hasFailed();
                    Throwable root = context.getStartupFailure();
                    while (root.getCause() != null) {
                        root = root.getCause();
                    }
                    assertThat(root).isInstanceOf(IllegalStateException.class).hasMessageContaining(
                            "ViewMigrator bean 'counterMigrator' is for view 'VersionedControler', but no view has "
                                    + "that name (the nearest is 'VersionedController')");
                });
    }

    @Test
    void aViewMigratorForTheViewsNameStarts() {
        contextRunner.withBean(ViewMigrator.class, () -> ViewMigrator.of(VersionedController.class,
                (storedVsn, data) -> data)).run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void aViewMigratorForAViewTheApplicationDefinesForTheEngineStarts() {
        contextRunner.withBean(ViewMigrator.class, () -> ViewMigrator.of("engineCounter", (storedVsn, data) -> data))
                .run((context) -> assertThat(context).hasNotFailed());
    }
}
