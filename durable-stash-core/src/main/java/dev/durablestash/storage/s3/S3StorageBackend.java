package dev.durablestash.storage.s3;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageException;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3ServiceClientConfiguration;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/*
 * Design. This class maps the storage SPI onto S3 and holds the public builder. The compare-and-swap
 * is CompareAndSwap: its write() sends one conditional PUT and turns every answer into Written,
 * PreconditionFailed or a failure, resolving a lost answer itself (see the javadoc). What stores do
 * differently lives beside it: StoreQuirks reads a store's answers (the form of If-Match, 404
 * and 412 as one conflict, the delete mode), Tombstones emulates conditional deletes, RequestOverrides
 * carries what every request needs of a client this class did not build (no SDK retry on writes, the
 * call timeouts, plain bodies), StoreProbe is the startup check. The client comes ready-made: building
 * one (endpoint, region, credentials, HTTP client, timeouts) is the application's or the Spring Boot
 * starter's business, and so is closing it.
 */
/**
 * A {@link StorageBackend} on Amazon S3 or an S3-compatible store (Ceph RGW, MinIO, Cloudflare R2, …),
 * on an AWS SDK for Java v2 {@link S3AsyncClient} that the caller builds, passes in and closes.
 *
 * <h2>How the SPI maps to S3</h2>
 * <ul>
 * <li>{@code put} is a {@code PutObject} with {@code If-None-Match: *} (create) or {@code If-Match}
 * (replace). 412 {@code PreconditionFailed}, 409 {@code ConditionalRequestConflict} and, for
 * {@code If-Match}, 404 {@code NoSuchKey} complete with {@link PutResult.PreconditionFailed}. A 412 to an
 * {@code If-Match} is checked with a HEAD first: when the object still has the ETag the PUT named, the
 * store refused its current ETag, and the PUT is sent in the other form ({@link IfMatchForm}) or fails
 * with a {@link StorageException} saying so.</li>
 * <li>{@code get} is a {@code GetObject}, with {@code If-None-Match} when the caller holds an ETag; 304
 * becomes {@link GetResult.NotModified} (on a client with {@link #revalidationInterceptor()}, without the
 * SDK seeing a failed call), 404 {@code NoSuchKey} {@link GetResult.NotFound} (on such a client, also without
 * a failed call).</li>
 * <li>{@code delete} is a {@code DeleteObject}, with {@code If-Match} when asked; 412 completes with
 * {@code false}, 404 {@code NoSuchKey} with {@code true}. With {@link ConditionalDeletes#EMULATED} (and with
 * {@link ConditionalDeletes#AUTO} until {@link #checkStore(String, Duration)} has seen the store honour
 * {@code If-Match} on DELETE) a conditional delete is a compare-and-swap PUT of a tombstone followed by a
 * plain DELETE; tombstones read as absent.</li>
 * <li>Every other error completes the stage exceptionally with a {@link StorageException} whose message
 * names the operation, the bucket and key, the HTTP status and the S3 error code; so does a 404 to a GET, PUT
 * or DELETE without the code {@code NoSuchKey} (from something that is no S3 store, such as a web server
 * or a reverse proxy with a wrong path: every session would otherwise read as empty).</li>
 * <li>ETags are handed out without their surrounding quotes.</li>
 * </ul>
 *
 * <h2>Lost responses</h2>
 * The SDK never retries a write made by this backend (the client that writes is configured without
 * retries, or a per-request override turns its retry strategy off): a blind retry of a conditional PUT
 * whose response was lost would answer 412 for the backend's own write. Instead, every PUT carries a write
 * id of its own in its content type ({@code application/octet-stream; durable-stash-write=ID}: a header
 * S3 keeps as sent, cheaper to send and to store than user metadata), and when a PUT fails
 * without a definite answer (I/O error, timeout, HTTP 5xx) the backend reads the object's content type
 * back (HEAD):
 * <ul>
 * <li>the object names this write's id: the write was applied, and the PUT completes as
 * {@link PutResult.Written} with the stored ETag;</li>
 * <li>another write is stored and the precondition no longer holds: the PUT completes as
 * {@link PutResult.PreconditionFailed}, so the caller re-reads and retries as after any conflict (should
 * this write have been applied and then replaced, the caller re-applies a diff the stored document
 * already has: harmless for the engine's idempotent per-key merge);</li>
 * <li>the object is unchanged (or still absent): the write was not applied, or is still in flight. It is
 * sent again (at most twice, with the same write id and precondition, so while nobody else writes the key
 * at most one copy is applied, and a later HEAD recognises whichever it was). When the last copy fails the same way, the PUT
 * fails with a {@link StorageException} saying that no copy of the write is stored: a copy whose answer
 * was lost may still land.</li>
 * </ul>
 * A copy sent again may be refused by an earlier one, landed meanwhile or still being written (409
 * {@code ConditionalRequestConflict}): a refused re-send is resolved by a HEAD as a lost answer is, and
 * answered as written when it finds this write's id.
 * Comparing bodies instead of write ids would not do: a writer storing byte-identical content would make
 * a write that was not applied look applied. Reads are retried by the client's retry strategy.
 *
 * <h2>The client</h2>
 * The backend never closes its clients: whoever passed them owns them. Reads go through
 * {@link Builder#client(S3AsyncClient)}; writes and deletes through {@link Builder#writeClient(S3AsyncClient)}
 * when one is given, a client configured once for them (no retries, and plain bodies with
 * {@link RequestChecksums#WHEN_REQUIRED}), else through the same client. A client that writes and is not
 * configured that way gets it per request instead: an override of its retry strategy (none) and of the
 * checksum calculation of uploads, which costs the SDK a rebuild of the client's configuration on every
 * write. When {@link Builder#apiCallTimeout(Duration)} and {@link Builder#apiCallAttemptTimeout(Duration)}
 * are set, every request carries those call timeouts (a per-request override wins over the client's own).
 * Everything else (endpoint, region, credentials, path-style access, HTTP client and its connection pool)
 * is the clients'. Give the client that reads {@link #revalidationInterceptor()}: without it every
 * revalidation answered 304, and every read of a missing key, is a failed call to the SDK, which may close its
 * connection.
 *
 * <h2>Keys</h2>
 * The object key is the key the engine passes in, unchanged: the engine puts every key under its own
 * prefix ({@code StashSettings.keyPrefix}). Grant IAM permissions on {@code arn:aws:s3:::BUCKET/PREFIX*}.
 *
 * <p><b>Thread-safety:</b> thread-safe and non-blocking; completions run on the SDK's future completion
 * executor.
 */
public final class S3StorageBackend implements StorageBackend, AutoCloseable {

    static final int MAX_KEY_BYTES = 1024;

    /** A tombstone this old was left behind by a process that died before its plain DELETE. */
    static final Duration DEFAULT_ABANDONED_TOMBSTONE_AGE = Duration.ofMinutes(2);

    /** Reads (GET, HEAD): the client's retry strategy applies. */
    private final S3AsyncClient client;
    /** Writes (PUT, DELETE): the builder's write client, else {@link #client}. Never retried by the SDK. */
    private final S3AsyncClient writeClient;
    private final String bucket;
    private final RequestOverrides overrides;
    private final StoreQuirks quirks;
    private final CompareAndSwap cas;
    private final Tombstones tombstones;
    private final String description;

    private S3StorageBackend(S3AsyncClient client, S3AsyncClient writeClient, boolean writeClientFit, String bucket,
            Builder builder) {
        this.client = client;
        this.writeClient = writeClient;
        this.bucket = bucket;
        this.overrides = new RequestOverrides(builder.requestChecksums, builder.apiCallTimeout,
                builder.apiCallAttemptTimeout, writeClientFit);
        this.quirks = new StoreQuirks(client, bucket, overrides, builder.ifMatchForm, builder.conditionalDeletes);
        this.cas = new CompareAndSwap(client, writeClient, bucket, overrides, quirks);
        this.tombstones = new Tombstones(client, writeClient, bucket, overrides, builder.abandonedTombstoneAge,
                cas::write, key -> get(key, null));
        this.description = "s3://" + bucket + endpoint(client).map(endpoint -> " at " + withoutSecrets(endpoint)).orElse("");
    }

    /** @return a builder; {@link Builder#bucket(String)} and {@link Builder#client(S3AsyncClient)} are required */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * An interceptor for the client the backend reads with ({@link Builder#client(S3AsyncClient)}), which the
     * Spring Boot starter's client has: add it to a client you build where its override configuration is built,
     * {@code .addExecutionInterceptor(S3StorageBackend.revalidationInterceptor())} (a second
     * {@code overrideConfiguration(...)} call on a builder replaces the first, timeouts included).
     * The SDK treats a {@code 304 Not Modified} as a failed call, and its Netty HTTP client closes the
     * connection of a failed call, now and then logging a WARN with a stack trace ({@code An exceptionCaught()
     * event was fired ... java.io.IOException: Request cancelled}, from
     * {@code io.netty.channel.DefaultChannelPipeline}); a revalidation of a session this instance holds is
     * usually answered 304, and the first read of a session the store has nothing of 404 {@code NoSuchKey}, so
     * without it about one in five of them costs the next call a new connection. With it, a 304 to the
     * backend's GETs is a successful call without a body, which the backend reads as
     * {@link GetResult.NotModified}, and a 404 with an XML body a successful call with that body: when it is
     * S3's answer for a missing key ({@code NoSuchKey}) the backend reads {@link GetResult.NotFound}, and any
     * other such 404 it reads once more without the rewrite (within what is left of the call timeout; that
     * answer decides), so that it fails as without the interceptor (a
     * 404 of another content type, such as a web server's page, or with a content encoding, stays a failed
     * call). The SDK's metrics and the client's other interceptors see the rewritten answers as successful
     * calls. It changes no other request through
     * the client (they do not carry the execution attribute it looks for), and a client without it works as
     * before. On a client with multipart enabled ({@code multipartEnabled(true)}) it does nothing: that
     * client's multipart downloader, which serves its GETs as GETs of parts, does not take a rewritten answer,
     * so answers to GETs of a part or a range are left alone.
     *
     * @return the interceptor; stateless and thread-safe, one instance may serve any number of clients
     */
    public static ExecutionInterceptor revalidationInterceptor() {
        return ReadAnswers.INSTANCE;
    }

    @Override
    public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
        checkKey(key);
        CompletableFuture<GetResult> result = new CompletableFuture<>();
        read(key, ifNoneMatch, System.nanoTime(), true, result);
        return result;
    }

    /**
     * Sends the GET; {@code rewritable} marks it for the revalidation interceptor. A 404 that interceptor made
     * a successful call but that is not S3's answer for a missing key is read again unmarked, within what is
     * left of the call timeout since {@code started}, so that the SDK fails it as it fails any 404
     * ({@link ReadAnswers}).
     */
    private void read(String key, @Nullable String ifNoneMatch, long started, boolean rewritable,
            CompletableFuture<GetResult> result) {
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(bucket).key(key)
                .overrideConfiguration(rewritable ? overrides.get() : overrides.reread(started));
        if (ifNoneMatch != null) {
            request.ifNoneMatch(ETags.quote(ifNoneMatch));
        }
        CompletableFuture<ResponseBytes<GetObjectResponse>> sent =
                S3Failure.sent(() -> client.getObject(request.build(), AsyncResponseTransformer.toBytes()));
        sent.whenComplete(S3Failure.failingOnThrow(result, "GET", bucket, key, (bytes, error) -> {
            if (error == null) {
                ResponseBytes<GetObjectResponse> answer = CompareAndSwap.answered(bytes);
                // A throw fails the get (failingOnThrow).
                switch (ReadAnswers.rewritten(answer)) {
                    case NOT_MODIFIED -> result.complete(ifNoneMatch != null ? GetResult.notModified()
                            : found(key, answer));
                    case MISSING_KEY -> result.complete(GetResult.notFound());
                    case OTHER_NOT_FOUND -> read(key, ifNoneMatch, started, false, result);
                    case NONE -> result.complete(found(key, answer));
                }
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
        }));
    }

    private GetResult found(String key, ResponseBytes<GetObjectResponse> bytes) {
        if (Tombstones.isTombstone(bytes.response().metadata())) {
            return GetResult.notFound();
        }
        return GetResult.found(bytes.asByteArrayUnsafe(), cas.requireEtag(bytes.response().eTag(), "GET", key));
    }

    @Override
    public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
        checkKey(key);
        Objects.requireNonNull(precondition, "precondition");
        byte[] content = body.clone();
        CompletableFuture<PutResult> written = cas.write(key, content, false, precondition);
        // A create may find a tombstone of an emulated delete in its way, whatever the delete mode is now: one
        // left by this backend before its deletes became native, or by an earlier deployment with another mode.
        // Looking costs a HEAD only when a create is refused.
        return precondition.requiresAbsent() ? tombstones.afterCreate(key, content, written) : written;
    }

    @Override
    public CompletionStage<Boolean> delete(String key, @Nullable String ifMatch) {
        checkKey(key);
        if (ifMatch != null && quirks.emulatesConditionalDeletes()) {
            return tombstones.delete(key, ifMatch);
        }
        return nativeDelete(key, ifMatch, quirks.sendsIfMatchUnquoted(), false);
    }

    /** A DELETE, with {@code If-Match} in the given form when {@code ifMatch} is given. */
    private CompletableFuture<Boolean> nativeDelete(String key, @Nullable String ifMatch, boolean unquoted,
            boolean otherFormTried) {
        DeleteObjectRequest.Builder request = DeleteObjectRequest.builder().bucket(bucket).key(key)
                .overrideConfiguration(overrides.delete());
        if (ifMatch != null) {
            request.ifMatch(StoreQuirks.ifMatch(ifMatch, unquoted));
        }
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        CompletableFuture<DeleteObjectResponse> sent = S3Failure.sent(() -> writeClient.deleteObject(request.build()));
        sent.whenComplete(S3Failure.failingOnThrow(result, "DELETE", bucket, key, (response, error) -> {
            if (error == null) {
                result.complete(true);
                return;
            }
            S3Failure failure = S3Failure.of(error);
            if (ifMatch != null && failure.status() == 412) {
                // Stale, gone, or a form of If-Match the store does not understand: StoreQuirks looks.
                quirks.resolveRefusedIfMatch("DELETE", key, ifMatch, unquoted, otherFormTried, result, false,
                        Boolean::booleanValue, otherForm -> nativeDelete(key, ifMatch, otherForm, true));
            } else if (ifMatch != null && StoreQuirks.isDeleteConflict(failure)) {
                result.complete(false);
            } else if (failure.isNoSuchKey()) {
                result.complete(true);
            } else {
                result.completeExceptionally(failure.toStorageException("DELETE", bucket, key));
            }
        }));
        return result;
    }

    /**
     * Checks that the store evaluates the preconditions this backend relies on, with one probe object
     * at {@code probeKey} that is removed afterwards: a create with {@code If-None-Match: *} (and a second
     * one refused), a replace with {@code If-Match} (learning the header's form, see {@link IfMatchForm}),
     * a replace with a stale ETag refused, a conditional GET (304), a DELETE with a stale ETag (with
     * {@link ConditionalDeletes#AUTO}, deletes become native only if the store refuses its precondition, 412
     * or 409 {@code ConditionalRequestConflict}; any other answer, a success, a rejection of the header
     * or an error, keeps them emulated),
     * and a replace of a missing key refused. The store's own refusal of a create (a store without conditional
     * writes answers 501) while it applies a PUT without a precondition, a second create refused with an error
     * rather than as a conflict, and an answer without an ETag are problems too. Blocks the calling thread, one
     * request at a time, and sends no request of its own once {@code timeout} has passed (the client's retries
     * of a read sent before, and the settling of a PUT whose answer was lost, a HEAD and a copy sent again, may
     * go on afterwards). A problem found is reported even when a later step fails. An object of the check that
     * may be left in the bucket (no DELETE allowed, the time up, an interrupt) is named in the result's findings
     * or in the exception's message.
     *
     * @param probeKey the key of the probe object: one no session document uses (under the key prefix), and
     *     no other check uses at the same time (a random one: two checks on one key may remove each other's
     *     probe object, and then report a problem on a safe store, or fail)
     * @param timeout how long the whole check may take (the waits for the store's answers: a client call
     *     that blocks before it returns is not cut short)
     * @return what the store does; {@link S3StoreCheck#safe()} is {@code false} when compare-and-swap
     *     cannot be trusted on it
     * @throws StorageException when the store cannot be reached or answers with an error, or the check takes
     *     longer than {@code timeout}, before it found a problem; or the thread is interrupted (its interrupt
     *     status stays set); with {@link ConditionalDeletes#AUTO}, such a check does not make deletes native
     */
    public S3StoreCheck checkStore(String probeKey, Duration timeout) {
        checkKey(probeKey);
        return new StoreProbe(this, writeClient, overrides, bucket, probeKey, timeout).run(quirks.conditionalDeletes(),
                quirks.ifMatchForm());
    }

    /** @return whether {@code If-Match} is currently sent unquoted (pinned, or learned) */
    boolean sendsIfMatchUnquoted() {
        return quirks.sendsIfMatchUnquoted();
    }

    /** @return whether conditional deletes are currently emulated with tombstones (configured, or not yet native) */
    boolean emulatesConditionalDeletes() {
        return quirks.emulatesConditionalDeletes();
    }

    /** The store check saw the store honour {@code If-Match} on DELETE. */
    void confirmNativeDeletes() {
        quirks.confirmNativeDeletes();
    }

    @Override
    public String describe() {
        return description;
    }

    /**
     * @return the configuration of the S3 client this backend uses, read-only: e.g. to check its
     *     timeouts (the per-request call timeouts of {@link Builder#apiCallTimeout(Duration)} are not in it)
     */
    public S3ServiceClientConfiguration clientConfiguration() {
        return client.serviceClientConfiguration();
    }

    /** Does nothing: the client belongs to whoever passed it to {@link Builder#client(S3AsyncClient)}. */
    @Override
    public void close() {
    }

    /** @return scheme, host, port and path of {@code endpoint}: no user info, query or fragment (logs, health details) */
    private static String withoutSecrets(URI endpoint) {
        return endpoint.getScheme() + "://" + endpoint.getHost() + (endpoint.getPort() < 0 ? "" : ":" + endpoint.getPort())
                + (endpoint.getRawPath() == null ? "" : endpoint.getRawPath());
    }

    private static Optional<URI> endpoint(S3AsyncClient client) {
        try {
            return client.serviceClientConfiguration().endpointOverride();
        } catch (UnsupportedOperationException e) {
            return Optional.empty(); // a client that does not tell (a stub)
        }
    }

    static <T> void forward(@Nullable T value, @Nullable Throwable error, CompletableFuture<T> result) {
        if (error != null) {
            result.completeExceptionally(S3Failure.unwrap(error));
        } else {
            result.complete(value);
        }
    }

    private static void checkKey(String key) {
        Objects.requireNonNull(key, "key");
        // Printable ASCII (below): one byte per character.
        if (key.isEmpty() || key.length() > MAX_KEY_BYTES) {
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
     * Builds an {@link S3StorageBackend} on a client you pass in. Not thread-safe.
     */
    public static final class Builder {

        private @Nullable String bucket;
        private @Nullable S3AsyncClient client;
        private @Nullable S3AsyncClient writeClient;
        private ConditionalDeletes conditionalDeletes = ConditionalDeletes.AUTO;
        private IfMatchForm ifMatchForm = IfMatchForm.AUTO;
        private RequestChecksums requestChecksums = RequestChecksums.WHEN_REQUIRED;
        private @Nullable Duration apiCallTimeout;
        private @Nullable Duration apiCallAttemptTimeout;
        private Duration abandonedTombstoneAge = DEFAULT_ABANDONED_TOMBSTONE_AGE;

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
         * The client every request goes through. Required. The backend does not close it: whoever built
         * it does, after the backend's last use. Configure on it the endpoint, region, credentials,
         * path-style access, HTTP client and its timeouts; {@code expectContinueEnabled(false)} in its
         * {@code S3Configuration} saves a round trip per PUT. Its retry strategy applies to reads only:
         * writes and deletes are never retried by the SDK.
         *
         * <p>The AWS CRT-based client ({@code S3AsyncClient.crtBuilder()}) is refused: it rejects the
         * per-request call timeouts that bound every request, and retries a conditional PUT by itself,
         * which turns an applied write whose answer was an error into a conflict with itself.
         *
         * @param client the client
         * @return this builder
         * @throws IllegalArgumentException for an AWS CRT-based client
         */
        public Builder client(S3AsyncClient client) {
            this.client = notCrt(Objects.requireNonNull(client, "client"));
            return this;
        }

        /**
         * A second client, for the backend's writes (PUT) and deletes, configured once for them: the
         * fast path. Optional: without it, writes go through {@link #client(S3AsyncClient)} too, and unless
         * that client already never retries (and sends plain bodies, see below) each write carries a
         * per-request override that makes the SDK rebuild the client's configuration for it, about a tenth
         * of the CPU time of a PUT. Build it from the same builder as the other client (endpoint, region,
         * credentials, path-style access, HTTP client and timeouts), with two more settings:
         *
         * <pre>{@code
         * builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
         *         .retryStrategy(AwsRetryStrategy.doNotRetry()).build())
         *     .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED); // with RequestChecksums.WHEN_REQUIRED
         * S3AsyncClient writeClient = builder.build();
         * }</pre>
         *
         * The backend does not close it. Like the other client, it must not be an AWS CRT-based client.
         *
         * @param writeClient a client that never retries, and with {@link RequestChecksums#WHEN_REQUIRED}
         *     (the default) computes no checksums of uploads
         * @return this builder
         * @throws IllegalArgumentException for an AWS CRT-based client; {@link #build()} throws it when the
         *     client is not configured as above
         */
        public Builder writeClient(S3AsyncClient writeClient) {
            this.writeClient = notCrt(Objects.requireNonNull(writeClient, "writeClient"));
            return this;
        }

        private static S3AsyncClient notCrt(S3AsyncClient client) {
            if (client.getClass().getName().startsWith("software.amazon.awssdk.services.s3.internal.crt.")) {
                throw new IllegalArgumentException("the AWS CRT-based S3AsyncClient (S3AsyncClient.crtBuilder()) cannot "
                        + "be used: it refuses per-request call timeouts and retries conditional writes by itself; use "
                        + "S3AsyncClient.builder() (with the Netty HTTP client)");
            }
            return client;
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

        /**
         * @param requestChecksums whether the backend's uploads carry checksums; default
         *     {@link RequestChecksums#WHEN_REQUIRED}: plain bodies whatever the client's own setting.
         *     {@link RequestChecksums#WHEN_SUPPORTED}: as the client is configured.
         * @return this builder
         */
        public Builder requestChecksums(RequestChecksums requestChecksums) {
            this.requestChecksums = Objects.requireNonNull(requestChecksums, "requestChecksums");
            return this;
        }

        /**
         * @param timeout how long one S3 call of this backend may take in all, retries of reads included.
         *     Sent with every request as a per-request override, so it wins over the client's own
         *     {@code apiCallTimeout}. Default: the client's.
         * @return this builder
         */
        public Builder apiCallTimeout(Duration timeout) {
            this.apiCallTimeout = positive("apiCallTimeout", timeout);
            return this;
        }

        /**
         * @param timeout how long one attempt of an S3 call of this backend may take (a read that times
         *     out is retried within {@link #apiCallTimeout(Duration)}). Per request, like
         *     {@link #apiCallTimeout(Duration)}. Default: the client's.
         * @return this builder
         */
        public Builder apiCallAttemptTimeout(Duration timeout) {
            this.apiCallAttemptTimeout = positive("apiCallAttemptTimeout", timeout);
            return this;
        }

        /** For tests: the age from which a create replaces a tombstone (default two minutes). */
        Builder abandonedTombstoneAge(Duration age) {
            this.abandonedTombstoneAge = Objects.requireNonNull(age, "abandonedTombstoneAge");
            return this;
        }

        /**
         * @return the backend
         * @throws IllegalStateException if no bucket or no client is set
         * @throws IllegalArgumentException if a {@link #writeClient(S3AsyncClient) write client} is set that
         *     retries, or computes checksums of uploads while {@link #requestChecksums} is
         *     {@link RequestChecksums#WHEN_REQUIRED}
         */
        public S3StorageBackend build() {
            if (bucket == null) {
                throw new IllegalStateException("an S3 bucket is required: set it with S3StorageBackend.Builder.bucket(...)");
            }
            if (client == null) {
                throw new IllegalStateException("an S3AsyncClient is required: pass one with S3StorageBackend.Builder"
                        + ".client(...) (the Spring Boot starter builds one from durable-stash.storage.s3.* properties)");
            }
            if (writeClient != null) {
                String unfit = RequestOverrides.unfitForWrites(writeClient, requestChecksums);
                if (unfit != null) {
                    throw new IllegalArgumentException("the S3 write client must be configured for the backend's writes: "
                            + unfit + " (build it with retryStrategy(AwsRetryStrategy.doNotRetry())"
                            + (requestChecksums == RequestChecksums.WHEN_REQUIRED
                                    ? " and requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)" : "")
                            + ", or leave it out)");
                }
                return new S3StorageBackend(client, writeClient, true, bucket, this);
            }
            boolean fit = RequestOverrides.unfitForWrites(client, requestChecksums) == null;
            return new S3StorageBackend(client, client, fit, bucket, this);
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }
    }
}
