package dev.durablestash.storage.s3;

import java.net.URI;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

/** The settings {@link S3StorageBackend.Builder} builds its own {@link S3AsyncClient} from. Mutable. */
final class S3ClientSettings {

    static final int DEFAULT_MAX_CONCURRENCY = 64;

    @Nullable URI endpoint;
    @Nullable String region;
    boolean pathStyleAccess;
    @Nullable AwsCredentialsProvider credentialsProvider;
    RequestChecksums requestChecksums = RequestChecksums.WHEN_REQUIRED;
    int maxConcurrency = DEFAULT_MAX_CONCURRENCY;
    Duration connectionTimeout = Duration.ofSeconds(2);
    Duration connectionAcquisitionTimeout = Duration.ofSeconds(10);
    Duration socketTimeout = Duration.ofSeconds(10);
    Duration apiCallTimeout = Duration.ofSeconds(30);
    /** {@code null}: no limit per attempt, only {@link #apiCallTimeout} for the whole call. */
    @Nullable Duration apiCallAttemptTimeout;

    /**
     * @return a new client on the Netty asynchronous HTTP client. Reads use the SDK's standard retry
     *     mode; writes turn retries off per request.
     */
    S3AsyncClient buildClient() {
        NettyNioAsyncHttpClient.Builder http = NettyNioAsyncHttpClient.builder()
                .maxConcurrency(maxConcurrency)
                .connectionTimeout(connectionTimeout)
                .connectionAcquisitionTimeout(connectionAcquisitionTimeout)
                .readTimeout(socketTimeout)
                .writeTimeout(socketTimeout);
        boolean compatible = requestChecksums == RequestChecksums.WHEN_REQUIRED;
        S3AsyncClientBuilder builder = S3AsyncClient.builder()
                .httpClientBuilder(http)
                .serviceConfiguration(S3Configuration.builder()
                        .pathStyleAccessEnabled(pathStyleAccess)
                        .chunkedEncodingEnabled(!compatible)
                        // Documents are small: sending the body at once saves a round trip per PUT, and a
                        // store that rejects a PUT early (412) need not close the connection on an unread body.
                        .expectContinueEnabled(false)
                        .build())
                .requestChecksumCalculation(compatible
                        ? RequestChecksumCalculation.WHEN_REQUIRED
                        : RequestChecksumCalculation.WHEN_SUPPORTED)
                .responseChecksumValidation(compatible
                        ? ResponseChecksumValidation.WHEN_REQUIRED
                        : ResponseChecksumValidation.WHEN_SUPPORTED)
                .overrideConfiguration(c -> {
                    c.apiCallTimeout(apiCallTimeout).retryStrategy(RetryMode.STANDARD);
                    if (apiCallAttemptTimeout != null) {
                        c.apiCallAttemptTimeout(apiCallAttemptTimeout);
                    }
                });
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        if (region != null) {
            builder.region(Region.of(region));
        } else if (endpoint != null) {
            builder.region(Region.US_EAST_1);
        }
        if (credentialsProvider != null) {
            builder.credentialsProvider(credentialsProvider);
        }
        return builder.build();
    }
}
