package dev.durablestash.storage.s3;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * S3 clients configured as an application would configure one for the backend, with the settings the
 * Spring Boot starter's client has (Netty with a bounded pool and timeouts, plain bodies unless
 * checksums are asked for, no {@code Expect: 100-continue}, path-style, the backend's
 * {@link S3StorageBackend#revalidationInterceptor()}, the test credentials), and the
 * call timeout the backend's own client had before it took a ready one (30 s a call). One shared client
 * per endpoint, closed when the JVM exits; tests do not close it.
 */
final class AppClients {

    private static final Map<URI, S3AsyncClient> SHARED = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> SHARED.values().forEach(S3AsyncClient::close),
                "app-clients-close"));
    }

    private AppClients() {
    }

    private static final Map<URI, S3AsyncClient> SHARED_WRITERS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> SHARED_WRITERS.values().forEach(S3AsyncClient::close),
                "app-write-clients-close"));
    }

    /** @return the shared client for this endpoint */
    static S3AsyncClient of(URI endpoint) {
        return SHARED.computeIfAbsent(endpoint, e -> builder(e, RequestChecksums.WHEN_REQUIRED).build());
    }

    /**
     * @return the shared write client for this endpoint: {@link #of(URI)}'s settings, configured for the
     *     backend's writes as {@code S3StorageBackend.Builder.writeClient} documents it
     */
    static S3AsyncClient writerOf(URI endpoint) {
        return SHARED_WRITERS.computeIfAbsent(endpoint, e -> forWrites(builder(e, RequestChecksums.WHEN_REQUIRED)).build());
    }

    /**
     * @param builder a builder
     * @return the builder, with what the backend's write client needs added (no retries, no checksums of
     *     uploads), as its javadoc shows
     */
    static S3AsyncClientBuilder forWrites(S3AsyncClientBuilder builder) {
        return builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
                        .retryStrategy(AwsRetryStrategy.doNotRetry()).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED);
    }

    /**
     * @param endpoint the store's endpoint
     * @param checksums the checksum mode of the client
     * @return a builder the caller builds, owns and closes
     */
    static S3AsyncClientBuilder builder(URI endpoint, RequestChecksums checksums) {
        boolean plain = checksums == RequestChecksums.WHEN_REQUIRED;
        return S3AsyncClient.builder()
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        .maxConcurrency(64)
                        .connectionTimeout(Duration.ofSeconds(2))
                        .connectionAcquisitionTimeout(Duration.ofSeconds(10))
                        .readTimeout(Duration.ofSeconds(10))
                        .writeTimeout(Duration.ofSeconds(10)))
                .serviceConfiguration(S3Configuration.builder()
                        .pathStyleAccessEnabled(true)
                        .chunkedEncodingEnabled(!plain)
                        .expectContinueEnabled(false)
                        .build())
                .requestChecksumCalculation(plain ? RequestChecksumCalculation.WHEN_REQUIRED
                        : RequestChecksumCalculation.WHEN_SUPPORTED)
                .responseChecksumValidation(plain ? ResponseChecksumValidation.WHEN_REQUIRED
                        : ResponseChecksumValidation.WHEN_SUPPORTED)
                .overrideConfiguration(c -> c.apiCallTimeout(Duration.ofSeconds(30)).retryStrategy(RetryMode.STANDARD)
                        .addExecutionInterceptor(S3StorageBackend.revalidationInterceptor()))
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY)));
    }
}
