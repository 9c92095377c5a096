package dev.durablestash.spring.testingyourapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.DefaultResourceLoader;

/**
 * README, "Testing your app": "tests read the application's src/main/resources/application.properties
 * too: if it configures storage, set durable-stash.storage.type=memory in
 * src/test/resources/application.properties". Done literally, that file shadows the application's own:
 * Spring Boot reads classpath:application.properties once, from the first classpath root that has it,
 * and Maven and Gradle put the test classes first. The tests then run without every other setting of
 * the application (here a property of the app's own; in a real app its datasource, its
 * durable-stash.secret, ...), not with the app's settings plus the storage type.
 *
 * <p>The two classpath roots are those of an application's build: target/test-classes before
 * target/classes.
 */
class TestPropertiesAdviceTests {

    @TempDir
    Path build;

    @Test
    void theStorageTypeSetForTestsAsTheReadmeSaysKeepsTheApplicationsOtherProperties() throws Exception {
        Path mainRoot = Files.createDirectories(build.resolve("classes"));
        Path testRoot = Files.createDirectories(build.resolve("test-classes"));
        Files.writeString(mainRoot.resolve("application.properties"),
                "durable-stash.storage.s3.bucket=production-bucket\ngreeting.text=hello\n");
        Files.writeString(testRoot.resolve("application.properties"), "durable-stash.storage.type=memory\n");

        try (URLClassLoader classpath = new URLClassLoader(new URL[] { testRoot.toUri().toURL(), mainRoot.toUri().toURL() },
                getClass().getClassLoader())) {
            SpringApplication application = new SpringApplication(new DefaultResourceLoader(classpath), Empty.class);
            application.setWebApplicationType(WebApplicationType.NONE);
            try (ConfigurableApplicationContext context = application.run()) {
                Environment environment = context.getEnvironment();
                assertThat(environment.getProperty("durable-stash.storage.type")).isEqualTo("memory");
                assertThat(environment.getProperty("greeting.text")).as("the application's own setting").isEqualTo("hello");
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Empty {
    }
}
