package dev.durablestash.storage.s3;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageException;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3ServiceClientConfiguration;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * A {@link StorageBackend} on Amazon S3 or an S3-compatible store (MinIO, Cloudflare R2, Tigris, …),
 * built on the AWS SDK for Java v2 {@link S3AsyncClient}.
 *
 * <h2>How the SPI maps to S3</h2>
 * <ul>
 * <li>{@code put} is a {@code PutObject} with {@code If-None-Match: *} (create) or
 * {@code If-Match: "etag"} (replace). 412 {@code PreconditionFailed}, 409
 * {@code ConditionalRequestConflict} and, for {@code If-Match}, 404 {@code NoSuchKey} (deleted
 * meanwhile; some stores answer 412) complete with {@link PutResult.PreconditionFailed}. A 412 to an
 * {@code If-Match} is checked with a HEAD first: when the object still has the ETag the PUT named, the
 * store refused its current ETag, and the PUT is sent in the other form ({@link IfMatchForm}) or fails
 * with a {@link StorageException} saying so.</li>
 * <li>{@code get} is a {@code GetObject}, with {@code If-None-Match: "etag"} when the caller holds an
 * ETag: the SDK reports the 304 as an {@code S3Exception} with status 304, which becomes
 * {@link GetResult.NotModified}. 404 {@code NoSuchKey} becomes {@link GetResult.NotFound}.</li>
 * <li>{@code delete} is a {@code DeleteObject}, with {@code If-Match} when asked (see
 * {@link ConditionalDeletes}); 412 completes with {@code false}, 404 with {@code true}. With
 * {@link ConditionalDeletes#EMULATED}, for stores without conditional deletes (and with the default
 * {@link ConditionalDeletes#AUTO} until {@link #checkStore(String, Duration)} has seen the store honour
 * {@code If-Match} on DELETE), a conditional delete is a compare-and-swap PUT of a tombstone followed by
 * a plain DELETE; tombstones read as absent.</li>
 * <li>Every other error completes the stage exceptionally with a {@link StorageException} whose
 * message names the operation, the bucket and key, the HTTP status and the S3 error code.</li>
 * <li>ETags are handed out without their surrounding quotes, and sent quoted (in {@code If-Match}: as
 * {@link IfMatchForm} says).</li>
 * </ul>
 *
 * <h2>Lost responses</h2>
 * The SDK never retries a write made by this backend (a per-request override turns its retry strategy
 * off, also on a client you pass in): a blind retry of a conditional PUT whose response was lost would
 * answer 412 for the backend's own write, or a retried DELETE could remove a newer object. Instead,
 * every PUT carries a random write id in its user metadata ({@code x-amz-meta-durable-stash-write}),
 * and when a PUT fails without a definite answer (I/O error, timeout, HTTP 5xx) the backend reads the
 * object's metadata back (HEAD):
 * <ul>
 * <li>the object carries this write's id: the write was applied, and the PUT completes as
 * {@link PutResult.Written} with the stored ETag;</li>
 * <li>another write is stored and the precondition no longer holds (another ETag, or gone, or for a
 * create: present): the PUT completes as {@link PutResult.PreconditionFailed}, so the caller re-reads
 * and retries as after any conflict. (In the rare case that this write was applied, its response lost,
 * and another writer replaced it before the HEAD, the caller re-applies a diff that is already in the
 * stored document: harmless for the engine's per-key merge, which is idempotent.)</li>
 * <li>the object is unchanged (or still absent): the write was not applied, or is still in flight.
 * It is sent again (at most twice, with the same write id): with the same precondition, at most one
 * of the copies can ever be applied, and a later HEAD recognises whichever it was. When the last copy fails the same way, the PUT fails with a
 * {@link StorageException}, as the SPI allows.</li>
 * </ul>
 * Comparing bodies instead of write ids would not do: a writer storing byte-identical content (a CAS
 * counter, two instances writing the same document) would make a write that was not applied look
 * applied. Reads are retried by the client's retry strategy as usual.
 *
 * <h2>Keys</h2>
 * The object key is the key the engine passes in, unchanged: the engine already puts every key under
 * its own prefix ({@code StashSettings.keyPrefix}, {@code "durable-stash/"} by default), so this
 * backend has no prefix of its own. Grant IAM permissions on {@code arn:aws:s3:::BUCKET/PREFIX*}.
 *
 * <p><b>Thread-safety:</b> thread-safe and non-blocking; completions run on the SDK's future
 * completion executor. {@link #close()} closes the client only if this backend built it.
 */
public final class S3StorageBackend implements StorageBackend, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(S3StorageBackend.class);

    private static final int MAX_KEY_BYTES = 1024;
    private static final String CONTENT_TYPE = "application/octet-stream";

    /** User metadata ({@code x-amz-meta-durable-stash-write}) naming each PUT, to recognise it later. */
    static final String WRITE_ID_METADATA = "durable-stash-write";

    /** User metadata marking a tombstone written by {@link ConditionalDeletes#EMULATED} deletes. */
    static final String TOMBSTONE_METADATA = "durable-stash-tombstone";

    /** A tombstone this old was left behind by a process that died before its plain DELETE. */
    static final Duration DEFAULT_ABANDONED_TOMBSTONE_AGE = Duration.ofMinutes(2);

    private static final SecureRandom RANDOM = new SecureRandom();
    /** How often a PUT that failed without an answer, and was then found not applied, is sent again. */
    private static final int RETRIES_OF_UNAPPLIED_WRITES = 2;

    /** Writes are never retried by the SDK: see the class comment. */
    private static final AwsRequestOverrideConfiguration NO_RETRY = noRetry(false);

    /**
     * As {@link #NO_RETRY}, and checksums only where required, also on a client passed in that computes
     * them for every upload (the SDK's default since 2.30): a store that cannot read the chunked,
     * checksummed body (Ceph RGW 16.2: 400 XAmzContentSHA256Mismatch) then gets a plain one.
     */
    private static final AwsRequestOverrideConfiguration NO_RETRY_PLAIN_BODY = noRetry(true);

    private final S3AsyncClient client;
    private final boolean ownsClient;
    private final String bucket;
    private final ConditionalDeletes conditionalDeletes;
    private final IfMatchForm ifMatchForm;
    private final RequestChecksums requestChecksums;
    /** The form {@code If-Match} is sent in: learned when {@link #ifMatchForm} is {@link IfMatchForm#AUTO}. */
    private volatile boolean unquotedIfMatch;
    /** With {@link ConditionalDeletes#AUTO}: the store check saw the store honour {@code If-Match} on DELETE. */
    private volatile boolean nativeDeletesConfirmed;
    private final Duration abandonedTombstoneAge;
    private final String description;

    private S3StorageBackend(S3AsyncClient client, boolean ownsClient, String bucket, Builder builder,
            String description) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.bucket = bucket;
        this.conditionalDeletes = builder.conditionalDeletes;
        this.ifMatchForm = builder.ifMatchForm;
        this.unquotedIfMatch = builder.ifMatchForm == IfMatchForm.UNQUOTED;
        this.requestChecksums = builder.settings.requestChecksums;
        this.abandonedTombstoneAge = builder.abandonedTombstoneAge;
        this.description = description;
    }

    /** @return a builder; {@link Builder#bucket(String)} is required */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
        checkKey(key);
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(bucket).key(key);
        if (ifNoneMatch != null) {
            request.ifNoneMatch(quote(ifNoneMatch));
        }
        CompletableFuture<GetResult> result = new CompletableFuture<>();
        client.getObject(request.build(), AsyncResponseTransformer.toBytes()).whenComplete((bytes, error) -> {
            if (error == null) {
                complete(result, () -> found(key, bytes));
                return;
            }
            S3Failure failure = S3Failure.of(error);
            if (failure.status() == 304) {
                result.complete(GetResult.notModified());
            } else if (failure.isNoSuchKey()) {
                result.complete(GetResult.notFound());
            } else {
                result.completeExceptionally(failure.toStorageException("GET", bucket, key));
            }
        });
        return result;
    }

    @Override
    public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
        checkKey(key);
        Objects.requireNonNull(precondition, "precondition");
        byte[] content = body.clone();
        CompletableFuture<PutResult> first = write(key, content, false, precondition);
        if (conditionalDeletes == ConditionalDeletes.NATIVE || !precondition.requiresAbsent()) {
            return first;
        }
        // A create may find a tombstone of an emulated delete: replace it once it is abandoned.
        CompletableFuture<PutResult> result = new CompletableFuture<>();
        first.whenComplete((outcome, error) -> {
            if (error != null || outcome instanceof PutResult.Written) {
                forward(outcome, error, result);
                return;
            }
            client.headObject(HeadObjectRequest.builder().bucket(bucket).key(key).build())
                    .whenComplete((head, headError) -> {
                        if (headError == null && metadata(head.metadata(), TOMBSTONE_METADATA) != null
                                && head.lastModified() != null && head.eTag() != null && !unquote(head.eTag()).isEmpty()
                                && !head.lastModified().plus(abandonedTombstoneAge).isAfter(storeTime(head))) {
                            write(key, content, false, Precondition.matching(unquote(head.eTag())))
                                    .whenComplete((replaced, replaceError) -> forward(replaced, replaceError, result));
                        } else {
                            result.complete(PutResult.preconditionFailed());
                        }
                    });
        });
        return result;
    }

    /** One conditional PUT, never retried by the SDK; a lost answer is resolved by a HEAD. */
    private CompletableFuture<PutResult> write(String key, byte[] content, boolean tombstone, Precondition precondition) {
        return write(key, content, tombstone, precondition, RETRIES_OF_UNAPPLIED_WRITES, newWriteId(), unquotedIfMatch,
                false);
    }

    /**
     * Re-sends keep the write id: at most one copy can be applied, and whichever it is, a later HEAD
     * recognises it as this write.
     */
    private CompletableFuture<PutResult> write(String key, byte[] content, boolean tombstone, Precondition precondition,
            int retriesLeft, String writeId, boolean unquoted, boolean otherFormTried) {
        PutObjectRequest.Builder request = PutObjectRequest.builder()
                .bucket(bucket)
                .key(key)
                .metadata(tombstone
                        ? Map.of(WRITE_ID_METADATA, writeId, TOMBSTONE_METADATA, "1")
                        : Map.of(WRITE_ID_METADATA, writeId))
                .contentType(CONTENT_TYPE)
                .contentLength((long) content.length)
                .overrideConfiguration(writeOverride());
        String etag = precondition.etag();
        if (etag == null) {
            request.ifNoneMatch("*");
        } else {
            request.ifMatch(unquoted ? unquote(etag) : quote(etag));
        }
        CompletableFuture<PutResult> result = new CompletableFuture<>();
        client.putObject(request.build(), AsyncRequestBody.fromBytesUnsafe(content)).whenComplete((response, error) -> {
            if (error == null) {
                complete(result, () -> PutResult.written(requireEtag(response.eTag(), "PUT", key)));
                return;
            }
            S3Failure failure = S3Failure.of(error);
            if (failure.status() == 412 && etag != null) {
                // Stale, gone (some stores answer 412 rather than 404 for a missing key), or the store did
                // not understand the form of the header: only a HEAD tells.
                Runnable otherForm = otherFormTried || ifMatchForm != IfMatchForm.AUTO ? null
                        : () -> write(key, content, tombstone, precondition, retriesLeft, writeId, !unquoted, true)
                                .whenComplete((value, retryError) -> {
                                    if (value instanceof PutResult.Written) {
                                        learnIfMatchForm(!unquoted);
                                    }
                                    forward(value, retryError, result);
                                });
                resolveRefusedIfMatch(key, etag, unquoted, otherFormTried, result, otherForm);
            } else if (failure.status() == 412
                    || (failure.status() == 409 && "ConditionalRequestConflict".equals(failure.code()))
                    || (etag != null && failure.isNoSuchKey())) {
                result.complete(PutResult.preconditionFailed());
            } else if (failure.isAmbiguous()) {
                Runnable retry = retriesLeft == 0 ? null
                        : () -> write(key, content, tombstone, precondition, retriesLeft - 1, writeId, unquoted,
                                otherFormTried)
                                .whenComplete((value, retryError) -> forward(value, retryError, result));
                resolveAmbiguousPut(key, writeId, etag, failure, result, retry);
            } else {
                result.completeExceptionally(failure.toStorageException("PUT", bucket, key));
            }
        });
        return result;
    }

    /**
     * A PUT with {@code If-Match} was answered 412. When the object has another ETag or is gone, that is
     * a precondition failure. When it still has the ETag the PUT named, the store refused the current
     * ETag: it did not understand the header's form, so the PUT is sent in the other form
     * ({@code otherForm}); when there is none left to try, the PUT fails with a message that says so,
     * rather than as a conflict that the caller would retry in vain.
     */
    private void resolveRefusedIfMatch(String key, String etag, boolean unquoted, boolean otherFormTried,
            CompletableFuture<PutResult> result, @Nullable Runnable otherForm) {
        client.headObject(HeadObjectRequest.builder().bucket(bucket).key(key).build()).whenComplete((head, error) -> {
            String stored = error == null && head.eTag() != null ? unquote(head.eTag()) : "";
            if (!etag.equals(stored)) {
                // Another ETag, gone (404 and 412 mean the same here), or unknown: the 412 itself was definite.
                result.complete(PutResult.preconditionFailed());
            } else if (otherForm != null) {
                log.debug("PUT of s3://{}/{} answered 412 although the object still has ETag {}: sending If-Match {}",
                        bucket, key, etag, unquoted ? "quoted" : "unquoted");
                otherForm.run();
            } else {
                String forms = otherFormTried ? "both quoted and unquoted"
                        : (unquoted ? "unquoted" : "quoted") + " (durable-stash.storage.s3.if-match-form=" + ifMatchForm + ")";
                result.completeExceptionally(new StorageException("S3 PUT of s3://" + bucket + "/" + key
                        + " failed: HTTP 412 although the object still has the ETag the PUT named in If-Match, "
                        + forms + ": the store refuses its current ETag, so it does not evaluate If-Match as S3 does"
                        + (otherFormTried || ifMatchForm == IfMatchForm.AUTO ? ""
                                : "; try if-match-form=" + (unquoted ? IfMatchForm.QUOTED : IfMatchForm.UNQUOTED))));
            }
        });
    }

    private void learnIfMatchForm(boolean unquoted) {
        if (unquotedIfMatch != unquoted) {
            unquotedIfMatch = unquoted;
            log.info("S3 store of s3://{} refused If-Match with the current ETag {} and accepted it {}: sending If-Match "
                    + "{} from now on (durable-stash.storage.s3.if-match-form pins a form)", bucket,
                    unquoted ? "quoted" : "unquoted", unquoted ? "unquoted" : "quoted", unquoted ? "unquoted" : "quoted");
        }
    }

    /** Writes are never retried by the SDK, and compute checksums only as {@link RequestChecksums} says. */
    private AwsRequestOverrideConfiguration writeOverride() {
        return requestChecksums == RequestChecksums.WHEN_REQUIRED ? NO_RETRY_PLAIN_BODY : NO_RETRY;
    }

    private static <T> void forward(@Nullable T value, @Nullable Throwable error, CompletableFuture<T> result) {
        if (error != null) {
            result.completeExceptionally(S3Failure.unwrap(error));
        } else {
            result.complete(value);
        }
    }

    /**
     * A PUT failed without telling whether it was applied: look at the object's write id (HEAD).
     */
    private void resolveAmbiguousPut(String key, String writeId, @Nullable String expectedEtag,
            S3Failure putFailure, CompletableFuture<PutResult> result, @Nullable Runnable retry) {
        HeadObjectRequest head = HeadObjectRequest.builder().bucket(bucket).key(key).build();
        client.headObject(head).whenComplete((response, error) -> {
            if (error == null) {
                String storedEtag = response.eTag() == null ? "" : unquote(response.eTag());
                if (writeId.equals(metadata(response.metadata(), WRITE_ID_METADATA)) && !storedEtag.isEmpty()) {
                    log.debug("PUT of s3://{}/{} failed ({}) but the object is this write: acknowledged",
                            bucket, key, putFailure.summary());
                    result.complete(PutResult.written(storedEtag));
                } else if (expectedEtag == null || !expectedEtag.equals(storedEtag)) {
                    log.debug("PUT of s3://{}/{} failed ({}); another write is stored: precondition failed",
                            bucket, key, putFailure.summary());
                    result.complete(PutResult.preconditionFailed());
                } else if (retry != null) {
                    retryUnapplied(key, putFailure, retry);
                } else {
                    result.completeExceptionally(putFailure.toStorageException("PUT", bucket, key,
                            "; read back afterwards, the object is unchanged: not applied"));
                }
                return;
            }
            S3Failure headFailure = S3Failure.of(error);
            if (headFailure.isNoSuchKey() && expectedEtag != null) {
                result.complete(PutResult.preconditionFailed());
            } else if (headFailure.isNoSuchKey() && retry != null) {
                retryUnapplied(key, putFailure, retry);
            } else if (headFailure.isNoSuchKey()) {
                result.completeExceptionally(putFailure.toStorageException("PUT", bucket, key,
                        "; read back afterwards, the object is still absent: not applied"));
            } else {
                StorageException failure = putFailure.toStorageException("PUT", bucket, key,
                        "; reading the object back to check whether it was applied failed too: outcome unknown");
                failure.addSuppressed(headFailure.cause());
                result.completeExceptionally(failure);
            }
        });
    }

    /**
     * The write is known not to have been applied (the object still has the precondition's state), so
     * sending it again cannot apply it twice: both carry the same precondition, at most one can win.
     */
    private void retryUnapplied(String key, S3Failure putFailure, Runnable retry) {
        log.debug("PUT of s3://{}/{} failed ({}) and was not applied: sending it again", bucket, key,
                putFailure.summary());
        retry.run();
    }

    @Override
    public CompletionStage<Boolean> delete(String key, @Nullable String ifMatch) {
        checkKey(key);
        if (ifMatch != null && (conditionalDeletes == ConditionalDeletes.EMULATED
                || (conditionalDeletes == ConditionalDeletes.AUTO && !nativeDeletesConfirmed))) {
            return emulatedConditionalDelete(key, ifMatch);
        }
        DeleteObjectRequest.Builder request = DeleteObjectRequest.builder()
                .bucket(bucket)
                .key(key)
                .overrideConfiguration(NO_RETRY);
        if (ifMatch != null) {
            request.ifMatch(quote(ifMatch));
        }
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        client.deleteObject(request.build()).whenComplete((response, error) -> {
            if (error == null) {
                result.complete(true);
                return;
            }
            S3Failure failure = S3Failure.of(error);
            if (ifMatch != null && (failure.status() == 412
                    || (failure.status() == 409 && "ConditionalRequestConflict".equals(failure.code())))) {
                result.complete(false);
            } else if (failure.isNoSuchKey()) {
                result.complete(true);
            } else {
                result.completeExceptionally(failure.toStorageException("DELETE", bucket, key));
            }
        });
        return result;
    }

    /** Compare-and-swap the document for a tombstone, then delete the tombstone. */
    private CompletionStage<Boolean> emulatedConditionalDelete(String key, String ifMatch) {
        byte[] tombstone = ("durable-stash tombstone " + newWriteId()).getBytes(StandardCharsets.US_ASCII);
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        long started = System.nanoTime();
        write(key, tombstone, true, Precondition.matching(ifMatch)).whenComplete((outcome, error) -> {
            if (error != null) {
                result.completeExceptionally(S3Failure.unwrap(error));
            } else if (outcome instanceof PutResult.Written
                    && Duration.ofNanos(System.nanoTime() - started).compareTo(abandonedTombstoneAge.dividedBy(2)) > 0) {
                // So slow that a creator may already take the tombstone for abandoned and replace it: a plain
                // DELETE now could remove that new document. Leave the tombstone; it reads as absent.
                log.warn("tombstone s3://{}/{} left in place: writing it took too long to delete it safely", bucket, key);
                result.complete(true);
            } else if (outcome instanceof PutResult.Written) {
                DeleteObjectRequest plain = DeleteObjectRequest.builder().bucket(bucket).key(key)
                        .overrideConfiguration(NO_RETRY).build();
                client.deleteObject(plain).whenComplete((response, deleteError) -> {
                    if (deleteError != null) {
                        log.debug("tombstone s3://{}/{} not deleted ({}); it reads as absent",
                                bucket, key, S3Failure.of(deleteError).summary());
                    }
                    result.complete(true);
                });
            } else {
                // Precondition failed: another version is stored (left alone), or nothing is (gone).
                get(key, null).whenComplete((current, getError) -> {
                    if (getError != null) {
                        result.completeExceptionally(S3Failure.unwrap(getError));
                    } else {
                        result.complete(!(current instanceof GetResult.Found));
                    }
                });
            }
        });
        return result;
    }

    /**
     * Checks that the store evaluates the preconditions this backend relies on, with one probe object
     * at {@code probeKey} that is removed afterwards: a create with {@code If-None-Match: *} (and a second
     * one refused), a replace with {@code If-Match} (learning the header's form, see {@link IfMatchForm}),
     * a replace with a stale ETag refused, a conditional GET (304), a DELETE with a stale ETag (honoured
     * or ignored: with {@link ConditionalDeletes#AUTO} this decides between native and emulated deletes),
     * and a replace of a missing key refused. Blocks the calling thread, one request at a time.
     *
     * @param probeKey the key of the probe object: one no session document uses (under the key prefix)
     * @param timeout how long the whole check may take
     * @return what the store does; {@link S3StoreCheck#safe()} is {@code false} when compare-and-swap
     *     cannot be trusted on it
     * @throws StorageException when the store cannot be reached or answers with an error, or the check
     *     takes longer than {@code timeout}
     */
    public S3StoreCheck checkStore(String probeKey, Duration timeout) {
        checkKey(probeKey);
        return new StoreProbe(this, client, bucket, probeKey, timeout).run(conditionalDeletes, ifMatchForm);
    }

    /** @return whether {@code If-Match} is currently sent unquoted (pinned, or learned) */
    boolean sendsIfMatchUnquoted() {
        return unquotedIfMatch;
    }

    /** The store check saw the store honour {@code If-Match} on DELETE. */
    void confirmNativeDeletes() {
        nativeDeletesConfirmed = true;
    }

    @Override
    public String describe() {
        return description;
    }

    /**
     * @return the configuration of the S3 client this backend uses (the one it built, or the one passed
     *     to {@link Builder#client(S3AsyncClient)}), read-only: e.g. to check its timeouts
     */
    public S3ServiceClientConfiguration clientConfiguration() {
        return client.serviceClientConfiguration();
    }

    /** Closes the S3 client if this backend built it; a client passed in is left open. Idempotent. */
    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }

    private GetResult found(String key, ResponseBytes<GetObjectResponse> bytes) {
        if (metadata(bytes.response().metadata(), TOMBSTONE_METADATA) != null) {
            return GetResult.notFound();
        }
        String etag = requireEtag(bytes.response().eTag(), "GET", key);
        return GetResult.found(bytes.asByteArrayUnsafe(), etag);
    }

    /** User metadata keys come back in whatever case the store sends them (some capitalise). */
    private static @Nullable String metadata(Map<String, String> metadata, String key) {
        for (Map.Entry<String, String> entry : metadata.entrySet()) {
            if (entry.getKey().equalsIgnoreCase(key)) {
                return entry.getValue();
            }
        }
        return null;
    }

    /** The store's clock at the answer (its {@code Date} header), so that a skewed local clock does not count. */
    private static Instant storeTime(HeadObjectResponse head) {
        return head.sdkHttpResponse().firstMatchingHeader("Date").flatMap(date -> {
            try {
                return Optional.of(ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }).orElseGet(Instant::now);
    }

    private String requireEtag(@Nullable String etag, String operation, String key) {
        String unquoted = etag == null ? "" : unquote(etag);
        if (unquoted.isEmpty()) {
            throw new StorageException(operation + " s3://" + bucket + "/" + key
                    + ": the store answered without an ETag; DurableStash needs ETags for compare-and-swap");
        }
        return unquoted;
    }

    private static <T> void complete(CompletableFuture<T> result, java.util.function.Supplier<T> value) {
        try {
            result.complete(value.get());
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
    }

    private static String newWriteId() {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    }

    static String unquote(String etag) {
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }

    static String quote(String etag) {
        return "\"" + unquote(etag) + "\"";
    }

    private static void checkKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty() || key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("S3 object key must be 1 to " + MAX_KEY_BYTES + " bytes long");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException("S3 object key must be printable ASCII, found character 0x"
                        + Integer.toHexString(c) + " at index " + i);
            }
        }
    }

    /**
     * Builds an {@link S3StorageBackend}. Not thread-safe. Either pass an existing client with
     * {@link #client(S3AsyncClient)}, or let the builder make one from the client settings (endpoint,
     * region, credentials, checksums, connection pool, timeouts); mixing both fails in {@link #build()}.
     */
    public static final class Builder {

        private @Nullable String bucket;
        private @Nullable S3AsyncClient client;
        private ConditionalDeletes conditionalDeletes = ConditionalDeletes.AUTO;
        private IfMatchForm ifMatchForm = IfMatchForm.AUTO;
        private Duration abandonedTombstoneAge = DEFAULT_ABANDONED_TOMBSTONE_AGE;
        final S3ClientSettings settings = new S3ClientSettings();
        private final Set<String> clientSettingsSet = new LinkedHashSet<>();

        private Builder() {
        }

        /**
         * @param bucket the bucket session documents are kept in. Required.
         * @return this builder
         */
        public Builder bucket(String bucket) {
            Objects.requireNonNull(bucket, "bucket");
            if (bucket.isBlank() || bucket.contains("/")) {
                throw new IllegalArgumentException("bucket must be a bucket name (not blank, no '/'): '" + bucket + "'");
            }
            this.bucket = bucket;
            return this;
        }

        /**
         * Uses an existing client (e.g. an application's {@code S3AsyncClient} bean) instead of building
         * one. The backend does not close it. Its retry strategy still applies to reads; writes are never
         * retried by the SDK (see {@link S3StorageBackend}).
         *
         * @param client the client
         * @return this builder
         */
        public Builder client(S3AsyncClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * @param mode whether conditional deletes are sent with {@code If-Match} or emulated for stores
         *     without them; default {@link ConditionalDeletes#AUTO} (emulated until the store check has seen
         *     the store honour {@code If-Match} on DELETE)
         * @return this builder
         */
        public Builder conditionalDeletes(ConditionalDeletes mode) {
            this.conditionalDeletes = Objects.requireNonNull(mode, "conditionalDeletes");
            return this;
        }

        /**
         * @param form how the ETag is written in {@code If-Match}; default {@link IfMatchForm#AUTO} (quoted,
         *     and learned from the store's answers)
         * @return this builder
         */
        public Builder ifMatchForm(IfMatchForm form) {
            this.ifMatchForm = Objects.requireNonNull(form, "ifMatchForm");
            return this;
        }

        /** For tests: the age from which a create replaces a tombstone (default two minutes). */
        Builder abandonedTombstoneAge(Duration age) {
            this.abandonedTombstoneAge = Objects.requireNonNull(age, "abandonedTombstoneAge");
            return this;
        }

        /**
         * @param endpoint the store's endpoint, e.g. {@code http://localhost:9000} for MinIO or
         *     {@code https://ACCOUNT.r2.cloudflarestorage.com} for R2; default: AWS S3's regional endpoint
         * @return this builder
         */
        public Builder endpointOverride(URI endpoint) {
            settings.endpoint = Objects.requireNonNull(endpoint, "endpointOverride");
            clientSettingsSet.add("endpointOverride");
            return this;
        }

        /**
         * @param region the signing region, e.g. {@code eu-west-1} ({@code auto} for R2). Default: the
         *     SDK's region provider chain ({@code AWS_REGION}, profile, instance metadata), or
         *     {@code us-east-1} when an endpoint override is set.
         * @return this builder
         */
        public Builder region(String region) {
            Objects.requireNonNull(region, "region");
            if (region.isBlank()) {
                throw new IllegalArgumentException("region must not be blank");
            }
            settings.region = region;
            clientSettingsSet.add("region");
            return this;
        }

        /**
         * @param pathStyleAccess {@code true} for {@code https://host/bucket/key} addressing (MinIO and
         *     most self-hosted stores); default {@code false} (virtual-hosted style)
         * @return this builder
         */
        public Builder pathStyleAccess(boolean pathStyleAccess) {
            settings.pathStyleAccess = pathStyleAccess;
            clientSettingsSet.add("pathStyleAccess");
            return this;
        }

        /**
         * @param credentialsProvider where credentials come from; default: the SDK's default chain
         *     (environment, system properties, profile, container and instance roles)
         * @return this builder
         */
        public Builder credentialsProvider(AwsCredentialsProvider credentialsProvider) {
            settings.credentialsProvider = Objects.requireNonNull(credentialsProvider, "credentialsProvider");
            clientSettingsSet.add("credentialsProvider");
            return this;
        }

        /**
         * @param requestChecksums when checksums are computed and validated; default
         *     {@link RequestChecksums#WHEN_REQUIRED} (plain bodies, accepted by every S3-compatible store).
         *     Also applies to a client passed to {@link #client(S3AsyncClient)}: with
         *     {@code WHEN_REQUIRED} this backend's uploads compute no checksum whatever that client's
         *     setting; with {@code WHEN_SUPPORTED} they follow that client's setting.
         * @return this builder
         */
        public Builder requestChecksums(RequestChecksums requestChecksums) {
            settings.requestChecksums = Objects.requireNonNull(requestChecksums, "requestChecksums");
            return this;
        }

        /**
         * @param maxConcurrency the most HTTP connections (in-flight requests) to the store; default
         *     {@value S3ClientSettings#DEFAULT_MAX_CONCURRENCY}. Size it to the number of sessions that
         *     write at the same moment: each session has at most one request in flight.
         * @return this builder
         */
        public Builder maxConcurrency(int maxConcurrency) {
            if (maxConcurrency <= 0) {
                throw new IllegalArgumentException("maxConcurrency must be positive, was " + maxConcurrency);
            }
            settings.maxConcurrency = maxConcurrency;
            clientSettingsSet.add("maxConcurrency");
            return this;
        }

        /**
         * @param timeout how long opening a connection may take; default 2 s
         * @return this builder
         */
        public Builder connectionTimeout(Duration timeout) {
            settings.connectionTimeout = positive("connectionTimeout", timeout);
            clientSettingsSet.add("connectionTimeout");
            return this;
        }

        /**
         * @param timeout how long a request may wait for a free connection when all
         *     {@code maxConcurrency} are busy; default 10 s
         * @return this builder
         */
        public Builder connectionAcquisitionTimeout(Duration timeout) {
            settings.connectionAcquisitionTimeout = positive("connectionAcquisitionTimeout", timeout);
            clientSettingsSet.add("connectionAcquisitionTimeout");
            return this;
        }

        /**
         * @param timeout how long a socket read or write may stall; default 10 s
         * @return this builder
         */
        public Builder socketTimeout(Duration timeout) {
            settings.socketTimeout = positive("socketTimeout", timeout);
            clientSettingsSet.add("socketTimeout");
            return this;
        }

        /**
         * @param timeout how long one S3 call may take in all, retries of reads included; default 30 s
         * @return this builder
         */
        public Builder apiCallTimeout(Duration timeout) {
            settings.apiCallTimeout = positive("apiCallTimeout", timeout);
            clientSettingsSet.add("apiCallTimeout");
            return this;
        }

        /**
         * @param timeout how long one attempt of an S3 call may take (a read that times out is then
         *     retried within {@link #apiCallTimeout(Duration)}; a write is never retried by the SDK, see
         *     {@link S3StorageBackend}); default: no limit per attempt
         * @return this builder
         */
        public Builder apiCallAttemptTimeout(Duration timeout) {
            settings.apiCallAttemptTimeout = positive("apiCallAttemptTimeout", timeout);
            clientSettingsSet.add("apiCallAttemptTimeout");
            return this;
        }

        /**
         * @return the backend
         * @throws IllegalStateException if no bucket is set, or a client was passed together with client
         *     settings
         */
        public S3StorageBackend build() {
            if (bucket == null) {
                throw new IllegalStateException("an S3 bucket is required: set it with S3StorageBackend.Builder.bucket(...)");
            }
            if (client != null) {
                if (!clientSettingsSet.isEmpty()) {
                    throw new IllegalStateException("an existing S3AsyncClient was passed, so the client settings "
                            + clientSettingsSet + " would be ignored: configure them on that client instead");
                }
                return new S3StorageBackend(client, false, bucket, this, "s3://" + bucket);
            }
            S3AsyncClient built = settings.buildClient();
            String description = "s3://" + bucket + (settings.endpoint != null ? " at " + settings.endpoint : "");
            return new S3StorageBackend(built, true, bucket, this, description);
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }
    }

    private static AwsRequestOverrideConfiguration noRetry(boolean plainBody) {
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
                })
                .build();
    }
}
