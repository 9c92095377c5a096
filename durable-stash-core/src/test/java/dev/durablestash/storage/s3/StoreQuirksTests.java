package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Contract rule 4 at the edge of the wire: which answers of a store to a conditional write the S3
 * backend takes for a lost compare-and-swap (the engine then reloads and merges again) rather than
 * for a storage error (the callers fail). AWS answers a conditional write that races another on the
 * same key with 409 ConditionalRequestConflict instead of 412; the test server never does, so the
 * classification is checked here on the exceptions the SDK builds from such answers.
 */
class StoreQuirksTests {

    @Test
    void aConcurrentConditionalWriteAnsweredWith409ConditionalRequestConflictIsAConflict() {
        S3Failure raced = failure(409, "ConditionalRequestConflict");
        assertThat(StoreQuirks.isPutConflict(raced, true)).isTrue();
        assertThat(StoreQuirks.isPutConflict(raced, false)).as("If-None-Match: *").isTrue();
        assertThat(StoreQuirks.isDeleteConflict(raced)).isTrue();
    }

    @Test
    void aPreconditionFailedIsAConflictAndOther4xxAnswersAreNot() {
        assertThat(StoreQuirks.isPutConflict(failure(412, "PreconditionFailed"), true)).isTrue();
        assertThat(StoreQuirks.isDeleteConflict(failure(412, "PreconditionFailed"))).isTrue();
        assertThat(StoreQuirks.isPutConflict(failure(409, "OperationAborted"), true)).isFalse();
        assertThat(StoreQuirks.isDeleteConflict(failure(409, "BucketNotEmpty"))).isFalse();
        assertThat(StoreQuirks.isPutConflict(failure(403, "AccessDenied"), true)).isFalse();
    }

    @Test
    void aMissingObjectIsAConflictOnlyForAWriteThatExpectedOne() {
        S3Failure gone = failure(404, "NoSuchKey");
        assertThat(StoreQuirks.isPutConflict(gone, true)).as("If-Match: the object went away").isTrue();
        assertThat(StoreQuirks.isPutConflict(gone, false)).as("If-None-Match: *").isFalse();
    }

    /** What the backend makes of an SDK exception with this status and error code, as a failed call delivers it. */
    private static S3Failure failure(int status, String code) {
        S3Exception answer = (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
        return S3Failure.of(new CompletionException(answer));
    }
}
