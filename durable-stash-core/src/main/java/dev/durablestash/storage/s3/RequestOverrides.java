package dev.durablestash.storage.s3;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.services.s3.S3ServiceClientConfiguration;

/*
 * Design. The backend takes a client it did not build, so whatever it needs of that client per request
 * travels in the request's override configuration, which the SDK lets win over the client's own
 * settings:
 *
 *  - reads (GET, HEAD): the call timeouts, when the backend was given them; the client's retry
 *    strategy applies;
 *  - writes (PUT): no SDK retry (a blind retry of a conditional PUT whose answer was lost would answer
 *    412 for the backend's own write; S3StorageBackend resolves lost answers itself), the call timeouts,
 *    and with RequestChecksums.WHEN_REQUIRED a plain body without a checksum, whatever the client's
 *    checksum setting (Ceph RGW 16.2 cannot read the SDK's default chunked, checksummed uploads);
 *  - deletes: no SDK retry (a retried DELETE could remove a newer object), the call timeouts.
 *
 * The three overrides are built once per backend and shared by every request: they are immutable.
 */
/** The per-request override configurations of one {@link S3StorageBackend}. Immutable, thread-safe. */
final class RequestOverrides {

    private final AwsRequestOverrideConfiguration read;
    private final AwsRequestOverrideConfiguration write;
    private final AwsRequestOverrideConfiguration delete;

    /**
     * @param checksums when uploads carry checksums
     * @param apiCallTimeout bound of a whole call, or {@code null} to leave the client's
     * @param apiCallAttemptTimeout bound of one attempt, or {@code null} to leave the client's
     */
    RequestOverrides(RequestChecksums checksums, @Nullable Duration apiCallTimeout,
            @Nullable Duration apiCallAttemptTimeout) {
        this.read = timed(AwsRequestOverrideConfiguration.builder(), apiCallTimeout, apiCallAttemptTimeout).build();
        this.write = timed(noRetry(checksums == RequestChecksums.WHEN_REQUIRED), apiCallTimeout, apiCallAttemptTimeout)
                .build();
        this.delete = timed(noRetry(false), apiCallTimeout, apiCallAttemptTimeout).build();
    }

    AwsRequestOverrideConfiguration read() {
        return read;
    }

    AwsRequestOverrideConfiguration write() {
        return write;
    }

    AwsRequestOverrideConfiguration delete() {
        return delete;
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
