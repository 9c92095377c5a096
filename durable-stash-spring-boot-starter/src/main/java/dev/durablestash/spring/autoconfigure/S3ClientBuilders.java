package dev.durablestash.spring.autoconfigure;

import java.net.URI;
import java.time.Duration;

import org.springframework.util.StringUtils;

import dev.durablestash.spring.autoconfigure.DurableStashProperties.S3;
import dev.durablestash.storage.s3.RequestChecksums;
import dev.durablestash.storage.s3.S3StorageBackend;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

/*
 * Design. The one place where durable-stash.storage.s3.* properties become an S3AsyncClientBuilder, so
 * that the core backend takes a ready client and re-exposes no SDK setting. What is set here, and why:
 *
 *  - Netty, with a bounded pool (max-concurrency) and connect/acquire/read/write timeouts: a stalled
 *    store must fail a call, not park it;
 *  - the call timeouts below durable-stash.operation-timeout (half for a whole call, a quarter for one
 *    attempt), so a stalled call fails with its own error before the engine gives up on the operation.
 *    The backend sends the same two values with every request (a per-request override wins over the
 *    client's), which is what bounds the calls also on a client the application brings; here they
 *    bound the client's other uses too;
 *  - checksums and chunked encoding off unless request-checksums=when-supported, and Expect: 100-continue
 *    off (documents are small: it saves a round trip per PUT, and a store that refuses a PUT early then
 *    need not close the connection on an unread body);
 *  - endpoint, region (us-east-1 by default with an endpoint), path-style access, and static credentials
 *    when both keys are set (else the SDK's default provider chain);
 *  - the backend's revalidation interceptor, so that a revalidation answered 304 is no failed call for the
 *    SDK, whose Netty client would then close its connection (added again after the customizers when one
 *    replaced the override configuration without it).
 *
 * Customizer beans run on the result afterwards, in order (StorageConfigurations). The backend's write
 * client is built from a second such builder (forWrites; an SDK builder cannot be built twice): the SDK rebuilds a client's configuration for
 * every request that carries a per-request plugin, so "no retries" is configured once on a client of its
 * own rather than sent with each write. Its Netty pool is its own, of the same size.
 */
/** Builds the S3 client's builder from the properties. Stateless. */
final class S3ClientBuilders {

    static final int DEFAULT_MAX_CONCURRENCY = 64;
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(2);
    static final Duration CONNECTION_ACQUISITION_TIMEOUT = Duration.ofSeconds(10);
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);

    private S3ClientBuilders() {
    }

    /**
     * @return a builder with every property applied
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException
     *     naming the property whose value cannot be used
     */
    static S3AsyncClientBuilder fromProperties(DurableStashProperties properties) {
        S3 s3 = properties.getStorage().getS3();
        Duration operationTimeout = SettingsMapping.operationTimeout(properties);
        SettingsMapping.checkS3Client(s3);
        NettyNioAsyncHttpClient.Builder http = NettyNioAsyncHttpClient.builder()
                .maxConcurrency(s3.getMaxConcurrency())
                .connectionTimeout(CONNECTION_TIMEOUT)
                .connectionAcquisitionTimeout(CONNECTION_ACQUISITION_TIMEOUT)
                .readTimeout(SOCKET_TIMEOUT)
                .writeTimeout(SOCKET_TIMEOUT);
        boolean plain = s3.getRequestChecksums() == RequestChecksums.WHEN_REQUIRED;
        S3AsyncClientBuilder builder = S3AsyncClient.builder()
                .httpClientBuilder(http)
                .serviceConfiguration(S3Configuration.builder()
                        .pathStyleAccessEnabled(s3.isPathStyleAccess())
                        .chunkedEncodingEnabled(!plain)
                        .expectContinueEnabled(false)
                        .build())
                .requestChecksumCalculation(plain
                        ? RequestChecksumCalculation.WHEN_REQUIRED
                        : RequestChecksumCalculation.WHEN_SUPPORTED)
                .responseChecksumValidation(plain
                        ? ResponseChecksumValidation.WHEN_REQUIRED
                        : ResponseChecksumValidation.WHEN_SUPPORTED)
                .overrideConfiguration(c -> c.apiCallTimeout(apiCallTimeout(operationTimeout))
                        .apiCallAttemptTimeout(apiCallAttemptTimeout(operationTimeout))
                        .retryStrategy(RetryMode.STANDARD)
                        .addExecutionInterceptor(S3StorageBackend.revalidationInterceptor()));
        URI endpoint = s3.getEndpoint();
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        String region = s3.getRegion();
        if (region != null) {
            builder.region(Region.of(region));
        } else if (endpoint != null) {
            builder.region(Region.US_EAST_1);
        }
        String accessKeyId = s3.getAccessKeyId();
        String secretAccessKey = s3.getSecretAccessKey();
        if (StringUtils.hasText(accessKeyId)) {
            builder.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(accessKeyId, secretAccessKey)));
        }
        return builder;
    }

    /**
     * Gives a builder (after {@link #fromProperties} and the customizers) the backend's revalidation interceptor
     * again when a customizer replaced the override configuration without it, keeping what the customizer set.
     *
     * @param builder a builder, not built yet; changed
     * @return the builder
     */
    static S3AsyncClientBuilder withRevalidationInterceptor(S3AsyncClientBuilder builder) {
        ClientOverrideConfiguration configuration = builder.overrideConfiguration();
        if (!configuration.executionInterceptors().contains(S3StorageBackend.revalidationInterceptor())) {
            builder.overrideConfiguration(configuration.toBuilder()
                    .addExecutionInterceptor(S3StorageBackend.revalidationInterceptor()).build());
        }
        return builder;
    }

    /**
     * Turns a builder (after {@link #fromProperties} and the customizers) into the builder of the backend's
     * write client: the same settings, with no retries (the backend resolves a lost answer to a write itself)
     * and, with {@code when-required}, no checksums of uploads, as {@code S3StorageBackend.Builder.writeClient}
     * asks. Keeps the call timeouts and everything else the customizers set.
     *
     * @param builder a builder like the other client's (the properties and the customizers), not built yet; changed
     * @param checksums {@code durable-stash.storage.s3.request-checksums}
     * @return the builder
     */
    static S3AsyncClientBuilder forWrites(S3AsyncClientBuilder builder, RequestChecksums checksums) {
        builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
                .retryStrategy(AwsRetryStrategy.doNotRetry())
                .build());
        if (checksums == RequestChecksums.WHEN_REQUIRED) {
            builder.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED);
        }
        return builder;
    }

    /**
     * The whole S3 call, retries of reads included, gets half the operation's deadline: a call
     * that stalls fails with its own error before the engine gives up on the operation.
     */
    static Duration apiCallTimeout(Duration operationTimeout) {
        return atLeastOneMillisecond(operationTimeout.dividedBy(2));
    }

    /**
     * One attempt gets a quarter: a read that stalls is retried once within the call, and a write
     * that stalls (never retried by the SDK) leaves time for the HEAD that finds out whether it was
     * applied, all within the deadline.
     */
    static Duration apiCallAttemptTimeout(Duration operationTimeout) {
        return atLeastOneMillisecond(operationTimeout.dividedBy(4));
    }

    private static Duration atLeastOneMillisecond(Duration duration) {
        return duration.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : duration;
    }
}
