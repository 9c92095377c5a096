package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.durablestash.testsupport.ChildFirstClassLoader;

import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * DurableStash's classes loaded a second time beside one AWS SDK, as Spring Boot DevTools' restart class
 * loader does on each restart for classes it reloads (the SDK stays in the base loader), or two applications
 * in one container sharing the SDK: the SDK refuses a second ExecutionAttribute of the same name
 * ("No duplicate ExecutionAttribute names allowed"), so NotModifiedAnswers cannot initialize and no backend
 * can be built in the second loader.
 */
class RevalidationAttributeReloadTests {

    @Test
    void aBackendCanBeBuiltAfterDurableStashsClassesAreLoadedAgain() throws Exception {
        S3StorageBackend.revalidationInterceptor(); // the first loader's attribute exists
        URL classes = Path.of("target/classes").toAbsolutePath().toUri().toURL();
        try (URLClassLoader restart = new ChildFirstClassLoader(new URL[] {classes},
                getClass().getClassLoader());
                S3AsyncClient client = S3AsyncClient.builder().region(Region.US_EAST_1).build()) {
            Class<?> backendClass = Class.forName("dev.durablestash.storage.s3.S3StorageBackend", true, restart);
            assertThat(backendClass.getClassLoader()).as("loaded again, not the parent's").isSameAs(restart);
            assertThatCode(() -> {
                Object builder = backendClass.getMethod("builder").invoke(null);
                builder.getClass().getMethod("bucket", String.class).invoke(builder, "stash");
                builder.getClass().getMethod("client", S3AsyncClient.class).invoke(builder, client);
                Object backend = builder.getClass().getMethod("build").invoke(builder);
                ((AutoCloseable) backend).close();
            }).doesNotThrowAnyException();
        }
    }
}
