package dev.durablestash.spring.testingyourapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestContextManager;

/**
 * README, "Testing your app": when the application's src/main/resources/application.properties
 * configures storage, tests switch to the in-memory storage with
 * {@code durable-stash.storage.type=memory} in src/test/resources/application-test.properties and
 * {@code @ActiveProfiles("test")}, or on one test class with
 * {@code @SpringBootTest(properties = "durable-stash.storage.type=memory")}: either adds the storage type
 * to the application's settings. Not in src/test/resources/application.properties, as the README warns:
 * Spring Boot reads classpath:application.properties once, from the first classpath root that has it,
 * and Maven and Gradle put the test classes first, so that file replaces the application's, and the
 * tests run without every other setting of the application (here a property of the app's own; in a
 * real app its datasource, its durable-stash.secret, ...).
 *
 * <p>The test classes below are loaded by Spring's test framework as a build runs them, on the two
 * classpath roots of an application's build: target/test-classes before target/classes.
 */
class TestPropertiesAdviceTests {

    private static final String APPLICATION_PROPERTIES = "durable-stash.storage.s3.bucket=production-bucket\n"
            + "greeting.text=hello\n";

    @TempDir
    Path build;

    @Test
    void theStorageTypeSetForTestsAsTheReadmeSaysKeepsTheApplicationsOtherProperties() throws Exception {
        Path mainRoot = root("classes", "application.properties", APPLICATION_PROPERTIES);
        Path testRoot = root("test-classes", "application-test.properties", "durable-stash.storage.type=memory\n");

        withTestContextOf(TestWithTheTestProfile.class, new Path[] { testRoot, mainRoot }, (environment) -> {
            assertThat(environment.getProperty("durable-stash.storage.type")).isEqualTo("memory");
            assertThat(environment.getProperty("greeting.text")).as("the application's own setting").isEqualTo("hello");
            assertThat(environment.getProperty("durable-stash.storage.s3.bucket")).isEqualTo("production-bucket");
        });
    }

    @Test
    void theStorageTypeSetOnOneTestClassKeepsTheApplicationsOtherProperties() throws Exception {
        Path mainRoot = root("classes", "application.properties", APPLICATION_PROPERTIES);
        Path testRoot = Files.createDirectories(build.resolve("test-classes"));

        withTestContextOf(TestWithItsOwnStorageType.class, new Path[] { testRoot, mainRoot }, (environment) -> {
            assertThat(environment.getProperty("durable-stash.storage.type")).isEqualTo("memory");
            assertThat(environment.getProperty("greeting.text")).as("the application's own setting").isEqualTo("hello");
        });
    }

    @Test
    void aTestApplicationPropertiesFileReplacesTheApplicationsOwn() throws Exception {
        Path mainRoot = root("classes", "application.properties", APPLICATION_PROPERTIES);
        Path testRoot = root("test-classes", "application.properties", "durable-stash.storage.type=memory\n");

        withTestContextOf(PlainTest.class, new Path[] { testRoot, mainRoot }, (environment) -> {
            assertThat(environment.getProperty("durable-stash.storage.type")).isEqualTo("memory");
            assertThat(environment.getProperty("greeting.text")).as("the application's own setting is lost").isNull();
        });
    }

    private Path root(String name, String file, String content) throws Exception {
        Path root = Files.createDirectories(build.resolve(name));
        Files.writeString(root.resolve(file), content);
        return root;
    }

    /**
     * Loads the application context of a test class as Spring's test framework does when it runs it,
     * with the given classpath roots in front (the class loader Spring Boot reads configuration files
     * through), hands its environment over, and closes it.
     */
    private static void withTestContextOf(Class<?> testClass, Path[] roots, Consumer<Environment> check)
            throws Exception {
        URL[] urls = new URL[roots.length];
        for (int i = 0; i < roots.length; i++) {
            urls[i] = roots[i].toUri().toURL();
        }
        Thread thread = Thread.currentThread();
        ClassLoader original = thread.getContextClassLoader();
        try (URLClassLoader classpath = new URLClassLoader(urls, original)) {
            thread.setContextClassLoader(classpath);
            TestContext testContext = new TestContextManager(testClass).getTestContext();
            try {
                check.accept(testContext.getApplicationContext().getEnvironment());
            } finally {
                testContext.markApplicationContextDirty(null); // closed, and out of the context cache
            }
        } finally {
            thread.setContextClassLoader(original);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Empty {
    }

    /** A test of the application, with the test profile. */
    @SpringBootTest(classes = Empty.class, webEnvironment = WebEnvironment.NONE)
    @ActiveProfiles("test")
    static class TestWithTheTestProfile {
    }

    /** A test of the application that sets the storage type itself. */
    @SpringBootTest(classes = Empty.class, webEnvironment = WebEnvironment.NONE,
            properties = "durable-stash.storage.type=memory")
    static class TestWithItsOwnStorageType {
    }

    /** A test of the application with nothing of its own. */
    @SpringBootTest(classes = Empty.class, webEnvironment = WebEnvironment.NONE)
    static class PlainTest {
    }
}
