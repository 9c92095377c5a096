package dev.durablestash.storage.s3;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageException;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/*
 * Design. This class is the compare-and-swap of the S3 backend: write() sends one conditional PUT and
 * turns every answer into Written, PreconditionFailed or a failure, resolving a lost answer itself by
 * the write id it put in the object's content type (see "Lost responses" in S3StorageBackend's javadoc).
 * The id rides in the content type, a header S3 keeps as it was sent (so do S3Proxy and Ceph RGW in
 * the tests), rather than in user metadata: the SDK copies a request that carries user metadata to trim
 * its names, and a store keeps each user metadata entry as one more attribute of the object (S3Proxy's
 * file store: one more extended attribute), both on every write.
 * What stores do differently lives beside it: StoreQuirks reads a store's answers (the form of
 * If-Match, 404 and 412 as one conflict), Tombstones emulates conditional deletes on top of write().
 */
/**
 * The conditional PUT of {@link S3StorageBackend}: {@code If-None-Match: *} or {@code If-Match}, never
 * retried by the SDK, a lost answer resolved with a HEAD of the object's write id. Thread-safe;
 * completions run on the SDK's future completion executor.
 */
final class CompareAndSwap {

    /** The backend's logger: these lines are the backend's. */
    private static final Logger log = LoggerFactory.getLogger(S3StorageBackend.class);

    /** The name of the content type's parameter that carries the write id. */
    private static final String WRITE_ID_PARAMETER = "durable-stash-write";
    /**
     * The content type of every PUT but for its write id: the SDK's own default type, with a parameter
     * naming the write ({@code application/octet-stream; durable-stash-write=ID}), to recognise it later.
     */
    private static final String CONTENT_TYPE_BEFORE_WRITE_ID = "application/octet-stream; " + WRITE_ID_PARAMETER + "=";

    /**
     * The part of every write id this process makes that tells it from other processes' (96 random bits):
     * a counter after it tells this process's writes apart, without a SecureRandom draw per PUT.
     */
    private static final String WRITE_ID_PREFIX = randomWriteIdPrefix();
    private static final AtomicLong WRITE_COUNTER = new AtomicLong();
    /** How often a PUT that failed without an answer, and was then found not applied, is sent again. */
    private static final int RETRIES_OF_UNAPPLIED_WRITES = 2;
    /** The user metadata of a tombstone's PUT; a document's PUT carries none. */
    private static final Map<String, String> TOMBSTONE_METADATA = Map.of(Tombstones.TOMBSTONE_METADATA, "1");

    /** Reads (the HEAD of a lost answer). */
    private final S3AsyncClient client;
    /** Writes: never retried by the SDK. */
    private final S3AsyncClient writeClient;
    private final String bucket;
    private final RequestOverrides overrides;
    private final StoreQuirks quirks;

    CompareAndSwap(S3AsyncClient client, S3AsyncClient writeClient, String bucket, RequestOverrides overrides,
            StoreQuirks quirks) {
        this.client = client;
        this.writeClient = writeClient;
        this.bucket = bucket;
        this.overrides = overrides;
        this.quirks = quirks;
    }

    /** One conditional PUT, never retried by the SDK; a lost answer is resolved by a HEAD. */
    CompletableFuture<PutResult> write(String key, byte[] content, boolean tombstone, Precondition precondition) {
        return write(key, content, tombstone, precondition, RETRIES_OF_UNAPPLIED_WRITES, newWriteId(),
                quirks.sendsIfMatchUnquoted(), null);
    }

    /**
     * Re-sends keep the write id: while nobody else writes the key, at most one copy can be applied, and
     * whichever it is, a later HEAD recognises it as this write. A copy whose answer was lost may still be
     * on its way and land after the HEAD that found it not applied: a re-send refused meanwhile may have
     * been refused by that copy (landed, or landing: 409 {@code ConditionalRequestConflict}), so the
     * refusal of a re-send is resolved by a HEAD too before it is answered.
     *
     * @param otherFormTook {@code null} for a copy in the form of {@code If-Match} the backend sends; for a copy
     *     in the other form (after the store refused the current ETag in that one), set once the store
     *     answered such a copy with a success: only then is that form learned, not when a HEAD found this
     *     write stored (a copy in the first form may be what landed)
     */
    private CompletableFuture<PutResult> write(String key, byte[] content, boolean tombstone, Precondition precondition,
            int retriesLeft, String writeId, boolean unquoted, @Nullable AtomicBoolean otherFormTook) {
        String etag = precondition.etag();
        PutObjectRequest.Builder request = PutObjectRequest.builder()
                .bucket(bucket)
                .key(key)
                .contentType(contentType(writeId))
                .contentLength((long) content.length)
                .overrideConfiguration(overrides.write());
        if (tombstone) {
            request.metadata(TOMBSTONE_METADATA);
        }
        if (etag == null) {
            request.ifNoneMatch("*");
        } else {
            request.ifMatch(StoreQuirks.ifMatch(etag, unquoted));
        }
        CompletableFuture<PutResult> result = new CompletableFuture<>();
        CompletableFuture<PutObjectResponse> sent;
        try {
            sent = writeClient.putObject(request.build(), AsyncRequestBody.fromBytesUnsafe(content));
        } catch (Throwable e) { // an Error too: a stage left pending would hide it for ever
            return notSent(result, key, retriesLeft, e);
        }
        if (sent == null) {
            return notSent(result, key, retriesLeft, S3Failure.nullAnswer());
        }
        sent.whenComplete(S3Failure.failingOnThrow(result, "PUT", bucket, key, (response, error) -> {
            if (error == null) {
                // A response without an ETag (or none at all, a mock's) fails the put (failingOnThrow).
                String written = requireEtag(answered(response).eTag(), "PUT", key);
                if (otherFormTook != null) {
                    otherFormTook.set(true);
                }
                result.complete(PutResult.written(written));
                return;
            }
            S3Failure failure = S3Failure.of(error);
            boolean resent = retriesLeft < RETRIES_OF_UNAPPLIED_WRITES;
            boolean conflict = StoreQuirks.isPutConflict(failure, etag != null);
            if (failure.status() == 412 && etag != null) {
                // Stale, gone, or a form of If-Match the store does not understand: StoreQuirks looks.
                boolean inOtherForm = otherFormTook != null;
                AtomicBoolean took = inOtherForm ? otherFormTook : new AtomicBoolean();
                Runnable refused = () -> quirks.resolveRefusedIfMatch("PUT", key, etag, unquoted, inOtherForm, result,
                        PutResult.preconditionFailed(), value -> value instanceof PutResult.Written && took.get(),
                        form -> write(key, content, tombstone, precondition, retriesLeft, writeId, form, took));
                if (resent) {
                    refusedAfterLostAnswer(key, writeId, failure, result, refused);
                } else {
                    refused.run();
                }
            } else if (conflict && !resent) {
                result.complete(PutResult.preconditionFailed());
            } else if (conflict || failure.isAmbiguous()) {
                // A lost answer; or a re-send refused as a conflict, perhaps by its own earlier copy, landed or
                // landing: the HEAD tells this write, another one, or neither yet.
                Runnable retry = retriesLeft == 0 ? null
                        : () -> write(key, content, tombstone, precondition, retriesLeft - 1, writeId, unquoted,
                                otherFormTook)
                                .whenComplete((value, retryError) -> S3StorageBackend.forward(value,
                                        retryError == null ? null : withEarlierAttempt(retryError, failure), result));
                resolveLostAnswer(key, writeId, etag, failure, result, retry);
            } else {
                result.completeExceptionally(failure.toStorageException("PUT", bucket, key));
            }
        }));
        return result;
    }

    /**
     * The client threw at once for a copy instead of sending it (closed meanwhile, or an application's wrapper
     * that throws): that copy is not stored, but an earlier one whose answer was lost may still land.
     */
    private CompletableFuture<PutResult> notSent(CompletableFuture<PutResult> result, String key, int retriesLeft,
            Throwable cause) {
        result.completeExceptionally(new StorageException("S3 PUT of s3://" + bucket + "/" + key + " could not be sent: "
                + cause + (retriesLeft < RETRIES_OF_UNAPPLIED_WRITES
                        ? "; no copy of this write is stored (one whose answer was lost may still land)" : ""), cause));
        return result;
    }

    /** A re-sent PUT failed too: its failure also names the earlier attempt's (a 500 first, a dropped connection last). */
    private static Throwable withEarlierAttempt(Throwable error, S3Failure earlier) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (!(cause instanceof StorageException storage) || storage.getMessage() == null) {
            return error;
        }
        StorageException named = new StorageException(storage.getMessage() + "; the attempt before failed with "
                + earlier.summary(), storage.getCause());
        for (Throwable suppressed : storage.getSuppressed()) {
            named.addSuppressed(suppressed);
        }
        return named;
    }

    /**
     * A re-sent PUT was refused, perhaps by an earlier copy of the same write that got no answer and
     * landed since: looks for the write id (HEAD) and answers it as written when it is there; otherwise
     * runs {@code refused}, which answers as the refusal says.
     */
    private void refusedAfterLostAnswer(String key, String writeId, S3Failure refusal,
            CompletableFuture<PutResult> result, Runnable refused) {
        readBack(key, writeId, refusal, " after an earlier copy of it failed without a definite answer; reading the "
                + "object back to check whether that copy was applied failed: outcome unknown", result, stored -> {
            if (stored.thisWrite()) {
                log.debug("PUT of s3://{}/{} was refused ({}), but an earlier copy of it is stored: "
                        + "acknowledged", bucket, key, refusal.summary());
                result.complete(PutResult.written(stored.etag()));
            } else {
                refused.run();
            }
        });
    }

    /**
     * A PUT failed without telling whether it was applied: look for its write id in the object's content type
     * (HEAD). When no copy was found stored, the failure says so, not that the write was not applied: a copy
     * whose answer was lost, or answered with a 5xx (a gateway's timeout), may still be on its way to the
     * store, and land later.
     */
    private void resolveLostAnswer(String key, String writeId, @Nullable String expectedEtag, S3Failure putFailure,
            CompletableFuture<PutResult> result, @Nullable Runnable retry) {
        readBack(key, writeId, putFailure, "; reading the object back to check whether it was applied failed too: "
                + "outcome unknown", result, stored -> {
            if (stored.thisWrite()) {
                log.debug("PUT of s3://{}/{} failed ({}) but the object is this write: acknowledged",
                        bucket, key, putFailure.summary());
                result.complete(PutResult.written(stored.etag()));
            } else if (stored.absent() ? expectedEtag != null : !stored.etag().equals(expectedEtag)) {
                log.debug("PUT of s3://{}/{} failed ({}); another write is stored, or none: precondition failed",
                        bucket, key, putFailure.summary());
                result.complete(PutResult.preconditionFailed());
            } else if (retry != null) {
                // Not applied (the object still has the precondition's state): a copy cannot apply it twice.
                log.debug("PUT of s3://{}/{} failed ({}) and was not applied: sending it again", bucket, key,
                        putFailure.summary());
                retry.run();
            } else {
                result.completeExceptionally(putFailure.toStorageException("PUT", bucket, key,
                        "; read back afterwards, the object is " + (stored.absent() ? "absent" : "unchanged")
                                + ": no copy of this write is stored (one whose answer was lost may still "
                                + "land)"));
            }
        });
    }

    /**
     * What a HEAD after a failed PUT found.
     *
     * @param absent the object is missing
     * @param etag its ETag, unquoted ({@code ""} when absent or not given)
     * @param thisWrite it is this write: its content type names the write id, and it has an ETag
     */
    private record ReadBack(boolean absent, String etag, boolean thisWrite) {}

    /**
     * Reads the object back (HEAD) after {@code putFailure} and hands what it found to {@code then}; when the
     * HEAD fails (other than with a 404), the PUT fails with {@code putFailure}, {@code unknownDetail} appended,
     * instead.
     */
    private void readBack(String key, String writeId, S3Failure putFailure, String unknownDetail,
            CompletableFuture<PutResult> result, Consumer<ReadBack> then) {
        overrides.head(client, bucket, key).whenComplete(S3Failure.failingOnThrow(result, "PUT", bucket, key, (head, error) -> {
            Throwable failed = error != null || head != null ? error : S3Failure.nullAnswer();
            S3Failure headFailure = failed == null ? null : S3Failure.of(failed);
            if (headFailure != null && !headFailure.isNoSuchKeyOnHead()) {
                StorageException failure = putFailure.toStorageException("PUT", bucket, key, unknownDetail);
                failure.addSuppressed(headFailure.cause());
                result.completeExceptionally(failure);
                return;
            }
            boolean absent = headFailure != null;
            String stored = absent || head.eTag() == null ? "" : ETags.unquote(head.eTag());
            boolean thisWrite = !stored.isEmpty()
                    && writeId.equals(ETags.contentTypeParameter(head.contentType(), WRITE_ID_PARAMETER));
            then.accept(new ReadBack(absent, stored, thisWrite));
        }));
    }

    /** @return {@code response}; throws {@link S3Failure#nullAnswer()} when the client answered {@code null} */
    static <T> T answered(@Nullable T response) {
        if (response == null) {
            throw S3Failure.nullAnswer();
        }
        return response;
    }

    /**
     * @return {@code etag}, unquoted
     * @throws MissingEtag when it is missing or empty
     */
    String requireEtag(@Nullable String etag, String operation, String key) {
        String unquoted = etag == null ? "" : ETags.unquote(etag);
        if (unquoted.isEmpty()) {
            throw new MissingEtag(operation + " s3://" + bucket + "/" + key
                    + ": the store answered without an ETag; DurableStash needs ETags for compare-and-swap");
        }
        return unquoted;
    }

    /**
     * A successful answer without an ETag: the store's definite answer (no outage), which the store check
     * reports as a problem.
     */
    static final class MissingEtag extends StorageException {
        private static final long serialVersionUID = 1L;

        MissingEtag(String message) {
            super(message);
        }
    }

    /** @return the content type of the PUTs that carry {@code writeId} */
    static String contentType(String writeId) {
        return CONTENT_TYPE_BEFORE_WRITE_ID + writeId;
    }

    /** @return an id no other write has, in this process or any other (a random prefix and a counter) */
    static String newWriteId() {
        return WRITE_ID_PREFIX + Long.toString(WRITE_COUNTER.incrementAndGet(), 36);
    }

    private static String randomWriteIdPrefix() {
        byte[] id = new byte[12];
        new SecureRandom().nextBytes(id);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(id) + ".";
    }
}
