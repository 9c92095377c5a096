package dev.durablestash.storage.s3;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/*
 * Design. Conditional deletes emulated for stores that ignore If-Match on DELETE (Ceph RGW 16.2) or
 * reject it (LocalStack): ConditionalDeletes.EMULATED, and AUTO until the store check has seen If-Match
 * on DELETE honoured.
 *
 *  1. delete(key, etag) replaces the document by a tombstone with a compare-and-swap PUT (If-Match on
 *     the ETag): a document another instance rewrote meanwhile is never touched (the PUT fails, and a
 *     GET tells "someone else's document" from "already gone").
 *  2. A plain DELETE then removes the tombstone. Were it to fail, the tombstone stays and reads as
 *     absent (S3StorageBackend.get asks isTombstone).
 *  3. A create (If-None-Match: *) that meets a tombstone reports a conflict, so the engine re-reads
 *     (absent) and tries again: the deleting process's plain DELETE normally comes first. A tombstone at
 *     least abandonedAge old by the store's clock was left by a process that died between 1 and 2; the
 *     create then replaces it with a compare-and-swap on the tombstone's ETag.
 *  4. A delete whose tombstone PUT took more than half of abandonedAge leaves the tombstone in place:
 *     a creator may already take it for abandoned and have replaced it, and a plain DELETE now would
 *     remove that new document.
 *
 * Tombstones are written by the backend's own write path (the same lost-answer resolution as any
 * document), passed in as a Writer. Stateless apart from its collaborators: thread-safe.
 */
/** The tombstone protocol of emulated conditional deletes. Thread-safe. */
final class Tombstones {

    /** The backend's logger: what the backend logs keeps one logger name, wherever the code lives. */
    private static final Logger log = LoggerFactory.getLogger(S3StorageBackend.class);

    /** User metadata marking a tombstone. */
    static final String TOMBSTONE_METADATA = "durable-stash-tombstone";

    /** One conditional PUT with the backend's lost-answer resolution. */
    @FunctionalInterface
    interface Writer {
        CompletableFuture<PutResult> write(String key, byte[] content, boolean tombstone, Precondition precondition);
    }

    /** A GET through the backend (tombstones read as absent). */
    @FunctionalInterface
    interface Reader {
        CompletionStage<GetResult> get(String key);
    }

    private final S3AsyncClient client;
    private final S3AsyncClient writeClient;
    private final String bucket;
    private final RequestOverrides overrides;
    private final Duration abandonedAge;
    private final Writer writer;
    private final Reader reader;

    Tombstones(S3AsyncClient client, S3AsyncClient writeClient, String bucket, RequestOverrides overrides,
            Duration abandonedAge, Writer writer, Reader reader) {
        this.client = client;
        this.writeClient = writeClient;
        this.bucket = bucket;
        this.overrides = overrides;
        this.abandonedAge = abandonedAge;
        this.writer = writer;
        this.reader = reader;
    }

    /** @return whether an object with this user metadata is a tombstone */
    static boolean isTombstone(Map<String, String> metadata) {
        return ETags.metadata(metadata, TOMBSTONE_METADATA) != null;
    }

    /**
     * A create ended: when it failed its precondition, and the object in the way is an abandoned
     * tombstone, replace that (step 3), with a compare-and-swap on the tombstone's ETag. Called for every
     * create, whatever the delete mode: a tombstone left by an emulated delete outlives a switch to native
     * deletes. Compare-and-swap stays exact: a document (no tombstone), a tombstone younger than the
     * abandoned age, or a HEAD that fails leaves the create refused.
     */
    CompletableFuture<PutResult> afterCreate(String key, byte[] content, CompletableFuture<PutResult> create) {
        CompletableFuture<PutResult> result = new CompletableFuture<>();
        create.whenComplete(S3Failure.failingOnThrow(result, "PUT", bucket, key, (outcome, error) -> {
            if (error != null || outcome instanceof PutResult.Written) {
                S3StorageBackend.forward(outcome, error, result);
                return;
            }
            CompletableFuture<HeadObjectResponse> looked = overrides.head(client, bucket, key);
            looked.whenComplete(S3Failure.failingOnThrow(result, "PUT", bucket, key, (head, headError) -> {
                if (headError == null && head != null && abandoned(head)) {
                    writer.write(key, content, false, Precondition.matching(ETags.unquote(head.eTag())))
                            .whenComplete((replaced, replaceError) -> S3StorageBackend.forward(replaced, replaceError,
                                    result));
                } else {
                    result.complete(PutResult.preconditionFailed());
                }
            }));
        }));
        return result;
    }

    private boolean abandoned(HeadObjectResponse head) {
        return isTombstone(head.metadata()) && head.lastModified() != null && head.eTag() != null
                && !ETags.unquote(head.eTag()).isEmpty()
                && !head.lastModified().plus(abandonedAge).isAfter(storeTime(head));
    }

    /** Compare-and-swap the document for a tombstone, then delete the tombstone (steps 1, 2 and 4). */
    CompletionStage<Boolean> delete(String key, String ifMatch) {
        byte[] tombstone = ("durable-stash tombstone " + CompareAndSwap.newWriteId()).getBytes(StandardCharsets.US_ASCII);
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        long started = System.nanoTime();
        CompletableFuture<PutResult> written = writer.write(key, tombstone, true, Precondition.matching(ifMatch));
        written.whenComplete(S3Failure.failingOnThrow(result, "DELETE", bucket, key, (outcome, error) -> {
            if (error != null) {
                result.completeExceptionally(S3Failure.unwrap(error));
            } else if (outcome instanceof PutResult.Written
                    && Duration.ofNanos(System.nanoTime() - started).compareTo(abandonedAge.dividedBy(2)) > 0) {
                log.warn("tombstone s3://{}/{} left in place: writing it took too long to delete it safely", bucket, key);
                result.complete(true);
            } else if (outcome instanceof PutResult.Written) {
                CompletableFuture<DeleteObjectResponse> deleted = S3Failure.sent(() -> writeClient.deleteObject(
                        b -> b.bucket(bucket).key(key).overrideConfiguration(overrides.delete())));
                deleted.whenComplete(S3Failure.failingOnThrow(result, "DELETE", bucket, key, (answer, deleteError) -> {
                    if (deleteError != null) {
                        log.debug("tombstone s3://{}/{} not deleted ({}); it reads as absent",
                                bucket, key, S3Failure.of(deleteError).summary());
                    }
                    result.complete(true);
                }));
            } else {
                // Precondition failed: another version is stored (left alone), or nothing is (gone).
                CompletionStage<GetResult> read = reader.get(key);
                read.whenComplete(S3Failure.failingOnThrow(result, "DELETE", bucket, key, (current, getError) -> {
                    if (getError != null) {
                        result.completeExceptionally(S3Failure.unwrap(getError));
                    } else {
                        result.complete(!(current instanceof GetResult.Found));
                    }
                }));
            }
        }));
        return result;
    }

    /** The store's clock at the answer (its {@code Date} header), so that a skewed local clock does not count. */
    private static Instant storeTime(HeadObjectResponse head) {
        if (head.sdkHttpResponse() == null) {
            return Instant.now(); // an answer built without one (a stub, an application's wrapper)
        }
        return head.sdkHttpResponse().firstMatchingHeader("Date").flatMap(date -> {
            try {
                return Optional.of(ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException e) {
                return Optional.<Instant>empty();
            }
        }).orElseGet(Instant::now);
    }
}
