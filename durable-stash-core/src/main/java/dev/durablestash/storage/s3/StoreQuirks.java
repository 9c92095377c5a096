package dev.durablestash.storage.s3;

import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.durablestash.storage.StorageException;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/*
 * Design. S3-compatible stores agree on what a conditional write means but not on every detail of how
 * they say it. This class keeps what the backend knows about its store, and everything that reads a
 * store's answer in the light of it, so that S3StorageBackend's write path only asks "was that a
 * conflict?" and "which form of If-Match now?":
 *
 *  - The form of If-Match (IfMatchForm). AWS wants the ETag quoted; Ceph RGW 16.2 compares the header
 *    verbatim with the unquoted ETag and answers 412 to the quoted form even when the ETag is current.
 *    A 412 alone cannot tell a stale ETag from a misunderstood header, so resolveRefusedIfMatch looks
 *    (HEAD): another ETag or no object is a real conflict; the very ETag the PUT (or native DELETE) named
 *    means the store refused its current ETag, and with AUTO the request goes once more in the other
 *    form, which is learned (one volatile flag: a racing learner writes the same value) when it is
 *    applied. Deletes use the learned form too: a store that refuses the quoted form on PUT does so on
 *    DELETE, and a quoted stale ETag refused there would prove nothing about the header.
 *  - 404 and 412 are one thing for If-Match. A PUT with If-Match on a missing key answers 404 NoSuchKey
 *    on AWS and 412 on Ceph; both mean "deleted meanwhile", a conflict the engine resolves by re-reading.
 *    409 ConditionalRequestConflict (AWS, a concurrent write) is a conflict too.
 *  - The delete mode (ConditionalDeletes). With AUTO, conditional deletes are emulated by Tombstones
 *    until the store check has seen the store refuse a DELETE with a stale If-Match (another volatile
 *    flag, set once, never cleared); then they are native. Tombstones may exist in any mode, NATIVE
 *    included: a delete emulated earlier (before the switch, or by a deployment configured otherwise)
 *    may have left one, so S3StorageBackend.put has every refused create look (Tombstones.afterCreate).
 *
 * Thread-safety: the two learned flags are volatile and only ever move one way per store answer; the
 * rest is final.
 */
/** What one {@link S3StorageBackend} knows about its store's conditional requests. Thread-safe. */
final class StoreQuirks {

    /** The backend's logger: what the backend logs keeps one logger name, wherever the code lives. */
    private static final Logger log = LoggerFactory.getLogger(S3StorageBackend.class);

    private final S3AsyncClient client;
    private final String bucket;
    private final RequestOverrides overrides;
    private final IfMatchForm ifMatchForm;
    private final ConditionalDeletes conditionalDeletes;
    /** The form {@code If-Match} is sent in: learned when {@link #ifMatchForm} is {@link IfMatchForm#AUTO}. */
    private volatile boolean unquotedIfMatch;
    /** With {@link ConditionalDeletes#AUTO}: the store check saw the store honour {@code If-Match} on DELETE. */
    private volatile boolean nativeDeletesConfirmed;

    StoreQuirks(S3AsyncClient client, String bucket, RequestOverrides overrides, IfMatchForm ifMatchForm,
            ConditionalDeletes conditionalDeletes) {
        this.client = client;
        this.bucket = bucket;
        this.overrides = overrides;
        this.ifMatchForm = ifMatchForm;
        this.conditionalDeletes = conditionalDeletes;
        this.unquotedIfMatch = ifMatchForm == IfMatchForm.UNQUOTED;
    }

    IfMatchForm ifMatchForm() {
        return ifMatchForm;
    }

    ConditionalDeletes conditionalDeletes() {
        return conditionalDeletes;
    }

    /** @return whether {@code If-Match} is currently sent unquoted (pinned, or learned) */
    boolean sendsIfMatchUnquoted() {
        return unquotedIfMatch;
    }

    /** @return the value of an {@code If-Match} header for {@code etag} in the given form */
    static String ifMatch(String etag, boolean unquoted) {
        return unquoted ? ETags.unquote(etag) : ETags.quote(etag);
    }

    /**
     * @param ifMatch whether the failed PUT carried {@code If-Match} (not {@code If-None-Match: *})
     * @return whether the store's answer is a compare-and-swap conflict as it stands (a 412 to
     *     {@code If-Match} is not: see {@link #resolveRefusedIfMatch})
     */
    static boolean isPutConflict(S3Failure failure, boolean ifMatch) {
        return failure.status() == 412 || isConcurrentWrite(failure) || (ifMatch && failure.isNoSuchKey());
    }

    /** @return whether a conditional DELETE's failure means the precondition did not hold */
    static boolean isDeleteConflict(S3Failure failure) {
        return failure.status() == 412 || isConcurrentWrite(failure);
    }

    private static boolean isConcurrentWrite(S3Failure failure) {
        return failure.status() == 409 && "ConditionalRequestConflict".equals(failure.code());
    }

    /** Sends a conditional request again with {@code If-Match} in the given form ({@code true}: unquoted). */
    @FunctionalInterface
    interface Resend<T> {
        CompletableFuture<T> inForm(boolean unquoted);
    }

    /**
     * A PUT or DELETE with {@code If-Match} was answered 412. When the object has another ETag or is gone,
     * that is a precondition failure ({@code conflict}). When it still has the ETag the request named, the
     * store refused the current ETag: it did not understand the header's form, so with
     * {@link IfMatchForm#AUTO} the request is sent once in the other form, which is kept when it is
     * {@code applied}; when there is no form left to try, the request fails with a message that says so,
     * rather than as a conflict the caller would retry in vain.
     *
     * @param operation {@code PUT} or {@code DELETE}, for the log and the error
     */
    <T> void resolveRefusedIfMatch(String operation, String key, String etag, boolean unquoted, boolean otherFormTried,
            CompletableFuture<T> result, T conflict, Predicate<T> applied, Resend<T> resend) {
        CompletableFuture<HeadObjectResponse> looked = overrides.head(client, bucket, key);
        looked.whenComplete(S3Failure.failingOnThrow(result, operation, bucket, key, (head, error) -> {
            String stored = error == null && head != null && head.eTag() != null ? ETags.unquote(head.eTag()) : "";
            if (error != null && !S3Failure.of(error).isNoSuchKeyOnHead()) {
                log.debug("{} of s3://{}/{} answered 412, and the HEAD after it failed ({}): precondition failed",
                        operation, bucket, key, S3Failure.of(error).summary());
            }
            if (!etag.equals(stored)) {
                // Another ETag, gone (404 and 412 mean the same here), or unknown: the 412 itself was definite.
                result.complete(conflict);
            } else if (!otherFormTried && ifMatchForm == IfMatchForm.AUTO) {
                log.debug("{} of s3://{}/{} answered 412 although the object still has ETag {}: sending If-Match {}",
                        operation, bucket, key, etag, unquoted ? "quoted" : "unquoted");
                resend.inForm(!unquoted).whenComplete((value, resendError) -> {
                    if (resendError == null && applied.test(value)) {
                        learnIfMatchForm(!unquoted);
                    }
                    S3StorageBackend.forward(value, resendError, result);
                });
            } else {
                result.completeExceptionally(currentEtagRefused(operation, key, unquoted, otherFormTried));
            }
        }));
    }

    private StorageException currentEtagRefused(String operation, String key, boolean unquoted,
            boolean otherFormTried) {
        String forms = otherFormTried ? "both quoted and unquoted"
                : (unquoted ? "unquoted" : "quoted") + " (durable-stash.storage.s3.if-match-form=" + ifMatchForm + ")";
        return new StorageException("S3 " + operation + " of s3://" + bucket + "/" + key
                + " failed: HTTP 412 although the object still has the ETag the " + operation + " named in If-Match, "
                + forms + ": the store refuses its current ETag, so it does not evaluate If-Match as S3 does"
                + (otherFormTried || ifMatchForm == IfMatchForm.AUTO ? ""
                        : "; try if-match-form=" + (unquoted ? IfMatchForm.QUOTED : IfMatchForm.UNQUOTED)));
    }

    /** A request in the other form of {@code If-Match} was applied: keep that form. */
    private void learnIfMatchForm(boolean unquoted) {
        if (unquotedIfMatch != unquoted) {
            unquotedIfMatch = unquoted;
            log.info("S3 store of s3://{} refused If-Match with the current ETag {} and accepted it {}: sending If-Match "
                    + "{} from now on (durable-stash.storage.s3.if-match-form pins a form)", bucket,
                    unquoted ? "quoted" : "unquoted", unquoted ? "unquoted" : "quoted", unquoted ? "unquoted" : "quoted");
        }
    }

    /** @return whether a delete conditional on an ETag goes through {@link Tombstones} */
    boolean emulatesConditionalDeletes() {
        return conditionalDeletes == ConditionalDeletes.EMULATED
                || (conditionalDeletes == ConditionalDeletes.AUTO && !nativeDeletesConfirmed);
    }

    /** The store check saw the store honour {@code If-Match} on DELETE. */
    void confirmNativeDeletes() {
        nativeDeletesConfirmed = true;
    }
}
