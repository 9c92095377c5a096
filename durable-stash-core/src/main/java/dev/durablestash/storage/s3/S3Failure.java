package dev.durablestash.storage.s3;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import dev.durablestash.storage.StorageException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * An error from the S3 client, classified: its HTTP status and S3 error code (when the store
 * answered), and whether a write that failed this way may nevertheless have been applied.
 *
 * @param cause the underlying error, unwrapped from {@link CompletionException}
 * @param status the HTTP status, or 0 when no response arrived
 * @param code the S3 error code (e.g. {@code NoSuchKey}), or {@code null}
 */
record S3Failure(Throwable cause, int status, @Nullable String code) {

    static S3Failure of(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof AwsServiceException service) {
            String code = service.awsErrorDetails() != null ? service.awsErrorDetails().errorCode() : null;
            return new S3Failure(cause, service.statusCode(), code);
        }
        return new S3Failure(cause, 0, null);
    }

    /**
     * @return the stage of a request sent by {@code send}; when the client throws at once instead of
     *     answering with a failed stage (a client closed meanwhile, or an application's wrapper that
     *     throws), or answers {@code null}, a stage failed with that, so that whoever waits on the
     *     request is answered (a throw inside the callback that sends a later step would otherwise be
     *     lost, its operation left pending)
     */
    static <T> CompletableFuture<T> sent(Supplier<? extends @Nullable CompletionStage<T>> send) {
        CompletionStage<T> stage;
        try {
            stage = send.get();
        } catch (Throwable e) { // an Error too: a stage left pending would hide it for ever
            return CompletableFuture.failedFuture(e);
        }
        return stage != null ? stage.toCompletableFuture() : CompletableFuture.failedFuture(nullAnswer());
    }

    /** @return the failure of a request the client answered with {@code null}, as a stage or its value (a mock's) */
    static IllegalStateException nullAnswer() {
        return new IllegalStateException("the S3 client answered a request with null");
    }

    /**
     * @return {@code callback}, made to fail {@code result} with what it throws, as a failed {@code operation}
     *     of the object: a throw inside a stage's callback is otherwise lost with it, and {@code result}, which
     *     the callback was to complete, left pending
     */
    static <T> BiConsumer<T, @Nullable Throwable> failingOnThrow(CompletableFuture<?> result, String operation,
            String bucket, String key, BiConsumer<T, @Nullable Throwable> callback) {
        return (value, error) -> {
            try {
                callback.accept(value, error);
            } catch (Throwable e) {
                result.completeExceptionally(e instanceof StorageException ? e : new StorageException(
                        "S3 " + operation + " of s3://" + bucket + "/" + key + " failed: " + e, e));
            }
        };
    }

    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * @return the store's answer that the object is missing, to a request whose error answer has a body
     *     (GET, PUT, DELETE): a 404 with the S3 error code {@code NoSuchKey}, as AWS S3, Ceph RGW, MinIO and
     *     S3Proxy send it. A 404 without that code is not taken for one: it comes from something that is no
     *     S3 store (a web server's or a reverse proxy's page, a path prefix gone wrong), which would make
     *     every session read as empty; it fails the request instead.
     */
    boolean isNoSuchKey() {
        return status == 404 && "NoSuchKey".equals(code);
    }

    /**
     * @return the store's answer to a HEAD that the object is missing: a 404 other than {@code NoSuchBucket}.
     *     A HEAD's answer has no body, so usually no error code to require (see {@link #isNoSuchKey()})
     */
    boolean isNoSuchKeyOnHead() {
        return status == 404 && !"NoSuchBucket".equals(code);
    }

    /**
     * @return {@code true} when a write may have been applied although it failed: no HTTP answer (I/O
     *     error, timeout) or a server error (5xx), except 501 Not Implemented and 505 HTTP Version Not
     *     Supported, which refuse the request outright (a store without conditional writes answers 501)
     */
    boolean isAmbiguous() {
        return status == 0 || (status >= 500 && status != 501 && status != 505);
    }

    String summary() {
        if (status == 0) {
            return cause.getClass().getSimpleName() + ": " + cause.getMessage();
        }
        return "HTTP " + status + " " + (code != null ? code : "(no error code)");
    }

    StorageException toStorageException(String operation, String bucket, String key) {
        return toStorageException(operation, bucket, key, "");
    }

    StorageException toStorageException(String operation, String bucket, String key, String detail) {
        return new StorageException("S3 " + operation + " of s3://" + bucket + "/" + key + " failed: " + summary()
                + detail, cause);
    }
}
