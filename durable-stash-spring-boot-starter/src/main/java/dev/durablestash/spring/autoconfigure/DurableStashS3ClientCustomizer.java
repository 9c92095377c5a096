package dev.durablestash.spring.autoconfigure;

import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;

/**
 * Customizes the {@code S3AsyncClient}s the starter builds for S3 storage, after the
 * {@code durable-stash.storage.s3.*} properties were applied to their builders: declare beans of this
 * type to set what has no property (an execution interceptor, a credentials provider, a proxy, another
 * HTTP client). Applied in {@link org.springframework.core.annotation.Order order}, on the thread that
 * creates the client bean, once to the builder of each of the starter's two clients: the client of
 * reads ({@code durableStashS3Client}), then the backend's client for writes, whose retries (and, with
 * {@code request-checksums=when-required}, upload checksums) are turned off after the customizers ran.
 * {@code builder.overrideConfiguration(consumer)} replaces the override configuration, the call timeouts of
 * the properties included: start from {@code builder.overrideConfiguration().toBuilder()} to add to it. The
 * backend's {@code S3StorageBackend.revalidationInterceptor()} is added back after the customizers if one
 * dropped it.
 *
 * <p>Not applied to an {@code S3AsyncClient} bean of the application: when there is one, the starter
 * uses it as it is and builds none. Whatever a customizer sets, the backend still bounds each of its
 * calls below {@code durable-stash.operation-timeout} (a per-request setting, which wins over the
 * client's), never lets the SDK retry a write, and (with {@code request-checksums=when-required}) sends
 * plain upload bodies.
 */
@FunctionalInterface
public interface DurableStashS3ClientCustomizer {

    /** @param builder the builder, with the properties already applied; never {@code null} */
    void customize(S3AsyncClientBuilder builder);
}
