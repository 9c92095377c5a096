package dev.durablestash.storage.s3;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3ServiceClientConfiguration;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/*
 * Design. The backend takes clients it did not build, so whatever it needs of them per request travels
 * in the request's override configuration, which the SDK lets win over the client's own settings:
 *
 *  - reads (GET, HEAD): the call timeouts, when the backend was given them; the client's retry
 *    strategy applies;
 *  - writes (PUT): no SDK retry (a blind retry of a conditional PUT whose answer was lost would answer
 *    412 for the backend's own write; S3StorageBackend resolves lost answers itself), the call timeouts,
 *    and with RequestChecksums.WHEN_REQUIRED a plain body without a checksum, whatever the client's
 *    checksum setting (Ceph RGW 16.2 cannot read the SDK's default chunked, checksummed uploads);
 *  - deletes: no SDK retry (a retried DELETE could remove a newer object), the call timeouts;
 *  - the backend's GETs: the reads', and the attribute that lets ReadAnswers, when the client has it,
 *    make a 304 or an S3 store's 404 a successful call.
 *
 * The SDK has no per-request retry or checksum setting: both take a request-level plugin, and a request
 * with a plugin makes the SDK rebuild the whole client configuration for that request (toBuilder, the
 * plugin, the retry strategy, build: about a tenth of the CPU of a PUT). So the plugin is sent only to a
 * client that needs it: the client that writes (the builder's write client, else the application's
 * client) is looked at once, at build time (unfitForWrites), and a client that already never retries and
 * already sends plain bodies gets the timeouts alone, which cost nothing to apply.
 *
 * The four overrides are built once per backend and shared by every request: they are immutable.
 */
/** The per-request override configurations of one {@link S3StorageBackend}. Immutable, thread-safe. */
final class RequestOverrides {

    private final @Nullable Duration apiCallTimeout;
    private final AwsRequestOverrideConfiguration read;
    private final AwsRequestOverrideConfiguration get;
    private final AwsRequestOverrideConfiguration write;
    private final AwsRequestOverrideConfiguration delete;
    private final boolean pluginOnWrites;

    /**
     * @param checksums when uploads carry checksums
     * @param apiCallTimeout bound of a whole call, or {@code null} to leave the client's
     * @param apiCallAttemptTimeout bound of one attempt, or {@code null} to leave the client's
     * @param writeClientFit whether the client that writes already never retries and, with
     *     {@link RequestChecksums#WHEN_REQUIRED}, already sends plain bodies ({@link #unfitForWrites}):
     *     then writes and deletes carry no plugin
     */
    RequestOverrides(RequestChecksums checksums, @Nullable Duration apiCallTimeout,
            @Nullable Duration apiCallAttemptTimeout, boolean writeClientFit) {
        this.pluginOnWrites = !writeClientFit;
        this.apiCallTimeout = apiCallTimeout;
        this.read = timed(AwsRequestOverrideConfiguration.builder(), apiCallTimeout, apiCallAttemptTimeout).build();
        this.get = read.toBuilder().putExecutionAttribute(ReadAnswers.BACKEND_GET, Boolean.TRUE).build();
        this.write = timed(writeClientFit ? AwsRequestOverrideConfiguration.builder()
                : noRetry(checksums == RequestChecksums.WHEN_REQUIRED), apiCallTimeout, apiCallAttemptTimeout).build();
        this.delete = timed(writeClientFit ? AwsRequestOverrideConfiguration.builder() : noRetry(false),
                apiCallTimeout, apiCallAttemptTimeout).build();
    }

    AwsRequestOverrideConfiguration read() {
        return read;
    }

    /** @return the reads' overrides, marked as the backend's GET ({@link ReadAnswers}) */
    AwsRequestOverrideConfiguration get() {
        return get;
    }

    /**
     * @param started when the first read of the same GET was sent ({@link System#nanoTime()})
     * @return the reads' overrides for a second read of one GET: with the backend's call timeout, what is left
     *     of it (at least a millisecond, so that the SDK times the read out itself)
     */
    AwsRequestOverrideConfiguration reread(long started) {
        if (apiCallTimeout == null) {
            return read;
        }
        Duration left = apiCallTimeout.minusNanos(System.nanoTime() - started);
        return read.toBuilder().apiCallTimeout(left.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : left)
                .build();
    }

    AwsRequestOverrideConfiguration write() {
        return write;
    }

    AwsRequestOverrideConfiguration delete() {
        return delete;
    }

    /**
     * Sends a HEAD of one object with the read overrides.
     *
     * @return its answer; a failed stage when the client throws or answers {@code null} at once
     *     ({@link S3Failure#sent})
     */
    CompletableFuture<HeadObjectResponse> head(S3AsyncClient client, String bucket, String key) {
        return S3Failure.sent(() -> client.headObject(b -> b.bucket(bucket).key(key).overrideConfiguration(read)));
    }

    /** @return whether writes and deletes carry the per-request no-retry plugin */
    boolean pluginOnWrites() {
        return pluginOnWrites;
    }

    /**
     * Looks at what a client says of its own configuration: whether it can send the backend's PUTs and
     * DELETEs as it is, without a per-request plugin.
     *
     * @param client a client
     * @param checksums the backend's checksum mode
     * @return why the client needs the per-request plugin for writes (it retries, or computes upload
     *     checksums when the mode wants plain bodies, or does not tell), or {@code null} when it does not
     */
    @SuppressWarnings("deprecation") // a legacy RetryPolicy wins over the retry strategy: it must be looked at
    static @Nullable String unfitForWrites(S3AsyncClient client, RequestChecksums checksums) {
        S3ServiceClientConfiguration configuration;
        try {
            configuration = client.serviceClientConfiguration();
        } catch (UnsupportedOperationException e) {
            return "it does not tell its configuration";
        }
        ClientOverrideConfiguration override = configuration.overrideConfiguration();
        if (override.retryPolicy().isPresent()) {
            return "it has a (legacy) RetryPolicy";
        }
        Optional<RetryStrategy> strategy = override.retryStrategy();
        if (strategy.isEmpty() || strategy.get().maxAttempts() != 1) {
            return "its retry strategy makes " + strategy.map(s -> "up to " + s.maxAttempts()).orElse("an unknown number of")
                    + " attempts, not 1";
        }
        if (checksums == RequestChecksums.WHEN_REQUIRED
                && configuration.requestChecksumCalculation() != RequestChecksumCalculation.WHEN_REQUIRED) {
            return "it computes checksums of uploads (requestChecksumCalculation " + configuration.requestChecksumCalculation()
                    + ") and requestChecksums is WHEN_REQUIRED";
        }
        return null;
    }

    private static AwsRequestOverrideConfiguration.Builder timed(AwsRequestOverrideConfiguration.Builder builder,
            @Nullable Duration apiCallTimeout, @Nullable Duration apiCallAttemptTimeout) {
        if (apiCallTimeout != null) {
            builder.apiCallTimeout(apiCallTimeout);
        }
        if (apiCallAttemptTimeout != null) {
            builder.apiCallAttemptTimeout(apiCallAttemptTimeout);
        }
        return builder;
    }

    private static AwsRequestOverrideConfiguration.Builder noRetry(boolean plainBody) {
        return AwsRequestOverrideConfiguration.builder()
                .addPlugin(config -> {
                    ClientOverrideConfiguration current = config.overrideConfiguration();
                    ClientOverrideConfiguration.Builder override = current != null
                            ? current.toBuilder()
                            : ClientOverrideConfiguration.builder();
                    config.overrideConfiguration(override.retryStrategy(AwsRetryStrategy.doNotRetry()).build());
                    if (plainBody && config instanceof S3ServiceClientConfiguration.Builder s3) {
                        s3.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED);
                    }
                });
    }
}
