package dev.durablestash.storage;

import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;

/**
 * Where session documents are kept: an asynchronous object store with ETag compare-and-swap,
 * shaped after S3's conditional requests.
 *
 * <h2>Contract</h2>
 * <ul>
 * <li><b>Non-blocking.</b> Every method returns at once with a {@link CompletionStage}; the caller's
 * thread is never parked waiting for I/O. Implementations that must block (a filesystem) do so on
 * their own bounded executor. Completions may run on any thread.</li>
 * <li><b>Bytes are copied.</b> A backend never keeps a reference to an array it was given, and never
 * hands out an array it still uses: callers may mutate arrays freely.</li>
 * <li><b>ETags</b> are opaque, non-empty strings without surrounding quotes. Two writes of different
 * bodies under one key never yield the same ETag; rewriting identical bytes may.</li>
 * <li><b>Compare-and-swap is exact</b>: of several concurrent {@link #put puts} under one key with
 * the same precondition, at most one succeeds; the others complete with
 * {@link PutResult.PreconditionFailed}.</li>
 * <li><b>Outcomes vs failures.</b> "Not found", "not modified" and "precondition failed" are normal
 * outcomes, expressed in the result types. Anything else (I/O error, timeout, access denied,
 * unreachable store) completes the stage exceptionally with a {@link StorageException}.
 * A failed {@code put} may nevertheless have been applied (a lost response); callers must not
 * assume either way.</li>
 * </ul>
 *
 * <p>Keys are produced by the engine ({@code prefix + base64url(HMAC)}): printable ASCII, at most
 * 1,024 bytes. Backends may reject other keys with {@link IllegalArgumentException}, thrown at
 * once.
 *
 * <p>Implementations are thread-safe.
 */
public interface StorageBackend {

    /**
     * Reads an object.
     *
     * @param key the object key
     * @param ifNoneMatch an ETag the caller already holds, or {@code null}. When the stored object
     *     still has this ETag, the result is {@link GetResult.NotModified} and no body is transferred.
     * @return {@link GetResult.Found} with a copy of the body and its ETag,
     *     {@link GetResult.NotFound}, or {@link GetResult.NotModified}
     */
    CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch);

    /**
     * Writes an object if, and only if, its precondition holds at the moment of writing.
     *
     * @param key the object key
     * @param body the new content (copied before this method returns)
     * @param precondition {@link Precondition#absent()} to create only, or
     *     {@link Precondition#matching(String)} to replace only the version with that ETag
     * @return {@link PutResult.Written} with the new ETag, or {@link PutResult.PreconditionFailed}
     *     when the object exists (create) or has another ETag or is gone (replace)
     */
    CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition);

    /**
     * Deletes an object. Deleting an absent object succeeds.
     *
     * @param key the object key
     * @param ifMatch delete only while the object still has this ETag, or {@code null} to delete
     *     unconditionally
     * @return {@code true} when the object is gone afterwards (deleted now, or already absent),
     *     {@code false} when {@code ifMatch} did not match the stored object, which was left alone
     */
    CompletionStage<Boolean> delete(String key, @Nullable String ifMatch);

    /**
     * Checks, cheaply, that the store can be reached and used now: what a health check asks. Every call
     * asks the store again (nothing is cached), so a store that comes back is reported usable by the next
     * call.
     *
     * <p>The default reads {@code probeKey} ({@link #get get}, without {@code If-None-Match}); an object
     * found there or none both mean the store answered. On S3 that is one {@code GetObject} of an absent
     * key: it needs the bucket, the credentials and the same permissions as a read of a session
     * document ({@code s3:GetObject}, and {@code s3:ListBucket} for the 404), and transfers no body. A
     * backend may check more (the filesystem backend checks that it can create a file where the key
     * would be stored) but never changes or leaves an object under any other key, and never takes
     * long on a healthy store.
     *
     * <p>Non-blocking like every method here. The check has no deadline of its own beyond the backend's
     * (an S3 client's timeouts): a caller that must answer in time, such as a health endpoint, bounds
     * the wait itself.
     *
     * @param probeKey a key no session document uses, under the engine's key prefix, e.g.
     *     {@code "durable-stash/health-check"}
     * @return a stage completed normally when the store answered as it should, or exceptionally with a
     *     {@link StorageException} saying why not
     * @throws IllegalArgumentException at once when the backend rejects the key
     */
    default CompletionStage<Void> check(String probeKey) {
        return get(probeKey, null).thenApply((result) -> null);
    }

    /**
     * Whether everything this backend stores is lost when the process ends (an in-memory store for
     * tests). State in such a backend cannot outlive the secret that keyed it, so a caller may key it
     * with a random secret instead of a configured one; the Spring Boot starter does.
     *
     * @return {@code true} only for a backend whose objects live no longer than the process;
     *     {@code false} by default
     */
    default boolean isEphemeral() {
        return false;
    }

    /**
     * A short human-readable description for logs, e.g. {@code "s3://bucket/prefix"}.
     *
     * @return a description, never {@code null}
     */
    default String describe() {
        return getClass().getSimpleName();
    }
}
