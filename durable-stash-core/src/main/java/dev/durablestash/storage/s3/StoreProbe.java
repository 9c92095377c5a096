package dev.durablestash.storage.s3;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageException;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * The store check behind {@link S3StorageBackend#checkStore(String, Duration)}: one probe object,
 * written, replaced, read and deleted with every precondition the backend relies on, then removed.
 * Runs on the caller's thread, one request at a time, within one deadline. Not thread-safe; used once.
 */
final class StoreProbe {

    /** The longest time the check may take: 2^61 ns, about 73 years (as the engine's longest operation timeout). */
    private static final Duration LONGEST = Duration.ofNanos(1L << 61);

    /** How many times the probe sends one DELETE that fails with a transient error. */
    private static final int DELETE_ATTEMPTS = 3;

    private final S3StorageBackend backend;
    /** The backend's client for PUT and DELETE. */
    private final S3AsyncClient writeClient;
    private final String bucket;
    private final String key;
    private final long deadline;
    /** The backend's per-request settings (call timeouts, no SDK retry of deletes) for the probe's own requests. */
    private final RequestOverrides overrides;
    private final List<String> findings = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    /**
     * Keys that may hold an object of the check: a PUT to them was sent (whatever its answer, but for the
     * store's own refusal of a replace of a key never written), or their object could not be removed; a key
     * leaves once a DELETE removed its object or a DELETE or a read found it gone.
     */
    private final Set<String> mayHold = new LinkedHashSet<>();
    /** Keys a replace of a missing key was sent to without an answer that tells whether it was applied. */
    private final Set<String> mayLand = new LinkedHashSet<>();
    /** Why the object at a key of {@link #mayHold} was not removed, when its removal was tried. */
    private final Map<String, String> notRemoved = new HashMap<>();
    /** The step under way, for the finding of a check that stopped early after it found a problem. */
    private String step = "the create";
    /** The stale DELETE was refused and the current one applied, with {@link ConditionalDeletes#AUTO}. */
    private boolean confirmNativeDeletes;

    StoreProbe(S3StorageBackend backend, S3AsyncClient writeClient, RequestOverrides overrides,
            String bucket, String key, Duration timeout) {
        this.backend = backend;
        this.overrides = overrides;
        this.writeClient = writeClient;
        this.bucket = bucket;
        this.key = key;
        // At most 2^61 ns (73 years) ahead: no overflow, and the deadline stays ahead of System.nanoTime().
        this.deadline = System.nanoTime() + (timeout.compareTo(LONGEST) > 0 ? LONGEST : timeout).toNanos();
    }

    /**
     * Runs the check, then removes what it wrote. A check that stops early (an outage, the deadline) still
     * reports what it found when that was a problem: the store is unsafe whatever the rest would have shown.
     * With {@link ConditionalDeletes#AUTO}, deletes become native only once the whole check ran, and every
     * object it wrote was removed or tried to be.
     *
     * @throws StorageException when the check stopped before it found anything wrong, or the thread was
     *     interrupted (its interrupt status kept); its message names any object of the check that may be
     *     left in the bucket
     */
    S3StoreCheck run(ConditionalDeletes deletes, IfMatchForm pinnedForm) {
        StorageException stopped = null;
        try {
            probe(deletes, pinnedForm);
        } catch (CompareAndSwap.MissingEtag e) {
            // the store's answer, not an outage: the engine could not write a single document
            problems.add(e.getMessage() + " (every write of a session document would fail)");
            findings.add("answer without an ETag, at " + step);
        } catch (StorageException e) {
            stopped = e;
        }
        for (String objectKey : List.copyOf(mayHold)) {
            removeOrName(objectKey); // sends nothing once interrupted or out of time
        }
        for (String objectKey : mayLand) {
            if (mayHold.add(objectKey)) {
                notRemoved.put(objectKey, "its PUT got no answer that tells whether it was applied, and may still "
                        + "land");
            }
        }
        String leftover = mayHold.isEmpty() ? "" : mayHold.stream()
                .map(objectKey -> "s3://" + bucket + "/" + objectKey + " ("
                        + notRemoved.getOrDefault(objectKey, "not removed") + ")")
                .collect(Collectors.joining(", ", "may be left in the bucket, to delete: ", ""));
        boolean interrupted = Thread.currentThread().isInterrupted() || stopped != null && causedByInterrupt(stopped);
        if (interrupted || stopped != null && problems.isEmpty()) {
            // an interrupt that came after the check stopped (during the removals) is the one reported
            StorageException error = stopped == null || interrupted && !causedByInterrupt(stopped)
                    ? interruptedError(new InterruptedException()) : stopped;
            throw leftover.isEmpty() ? error : new StorageException(error.getMessage() + "; " + leftover, error);
        }
        if (stopped != null) {
            findings.add("stopped early, at " + step + " (" + stopped.getMessage() + ")");
        }
        if (!leftover.isEmpty()) {
            findings.add(leftover);
        }
        if (stopped == null && confirmNativeDeletes) {
            backend.confirmNativeDeletes(); // not before: a check that fails as an outage leaves deletes emulated
        }
        return new S3StoreCheck(backend.describe(), findings, problems);
    }

    private void probe(ConditionalDeletes deletes, IfMatchForm pinnedForm) {
        // 1. create with If-None-Match: *
        String first = create();
        if (first == null) {
            return; // refused: nothing more to check
        }
        // 2. a second create must be refused, as a conflict
        step = "the second create";
        PutResult again;
        try {
            again = put(2, Precondition.absent());
        } catch (StorageException e) {
            if (isMissingEtag(e) || !refusal(e)) {
                throw e; // an outage, as a failure of any other step is
            }
            problems.add("the store refused a create over an existing object with an error rather than a "
                    + "precondition failure (" + e.getMessage() + "): concurrent creates of a session document "
                    + "would fail instead of retrying");
            findings.add("create over an existing object REFUSED WITH AN ERROR");
            return;
        }
        String current = first;
        if (again instanceof PutResult.Written overwritten) {
            problems.add("the store ignores If-None-Match: * on PUT (a create replaced an existing object)");
            findings.add("create over an existing object ACCEPTED");
            current = overwritten.etag();
        } else {
            findings.add("create with If-None-Match: * refused on an existing object");
        }
        // 3. replace with the current ETag
        step = "the replace with the current ETag";
        String replaced;
        try {
            PutResult replace = put(3, Precondition.matching(current));
            if (!(replace instanceof PutResult.Written written)) {
                problems.add("the store refuses If-Match with the object's current ETag");
                findings.add("replace with the current ETag REFUSED");
                return;
            }
            replaced = written.etag();
            findings.add("replace with If-Match honoured, ETag sent " + (backend.sendsIfMatchUnquoted()
                    ? "unquoted" + (pinnedForm == IfMatchForm.AUTO ? " (the store refuses the quoted form)" : "")
                    : "quoted"));
        } catch (StorageException e) {
            if (isMissingEtag(e) || !refusal(e)) {
                throw e; // an outage, as a failure of any other step is
            }
            problems.add(String.valueOf(e.getMessage()));
            findings.add("replace with the current ETag REFUSED");
            return;
        }
        // 4. replace with a stale ETag must be refused
        step = "the stale replace";
        PutResult stale = put(4, Precondition.matching(current));
        if (stale instanceof PutResult.Written overwritten) {
            problems.add("the store ignores If-Match on PUT (a replace with a stale ETag was applied)");
            findings.add("stale replace ACCEPTED");
            replaced = overwritten.etag();
        } else {
            findings.add("stale replace refused");
        }
        // 5. conditional GET
        step = "the conditional GET";
        GetResult got = get(replaced);
        findings.add(got instanceof GetResult.NotModified ? "conditional GET 304"
                : "conditional GET not supported (a revalidating mount reads the whole document)");
        // 6. DELETE with a stale ETag
        step = "the conditional DELETEs";
        StaleDelete staleDelete = deleteWithStaleEtag(current, deletes == ConditionalDeletes.NATIVE);
        S3Failure currentFailed = staleDelete.refused()
                ? deleteWithCurrentEtag(replaced, deletes == ConditionalDeletes.NATIVE) : null;
        String currentRefused = currentFailed == null ? null : currentFailed.summary();
        if (currentFailed != null && isTransient(currentFailed)) {
            // no answer that tells (NATIVE pinned throws): deletes stay emulated, the question open
            findings.add("conditional DELETE with the current ETag not answered (" + currentRefused + ")"
                    + (deletes == ConditionalDeletes.AUTO ? ", deletes emulated with tombstones"
                            : " (deletes emulated as configured)"));
        } else if (currentRefused != null) {
            // The header is evaluated, but the current ETag is refused too: a native delete would never apply.
            if (deletes == ConditionalDeletes.NATIVE) {
                problems.add("the store refused a DELETE with the object's current ETag (" + currentRefused + "), "
                        + "but conditional-deletes is NATIVE: an expired document could never be deleted (use AUTO "
                        + "or EMULATED)");
                findings.add("conditional DELETE REFUSED with the current ETag (" + currentRefused + ")");
            } else {
                findings.add("conditional DELETE refused with the current ETag too (" + currentRefused + ")"
                        + (deletes == ConditionalDeletes.AUTO ? ", deletes emulated with tombstones"
                                : " (deletes emulated as configured)"));
            }
        } else if (staleDelete.refused()) {
            findings.add("conditional DELETE honoured" + switch (deletes) {
                case AUTO -> ", deletes native";
                case NATIVE -> "";
                case EMULATED -> " (deletes emulated as configured)";
            });
            confirmNativeDeletes = deletes == ConditionalDeletes.AUTO; // once the check has ended well
        } else if (deletes == ConditionalDeletes.NATIVE) {
            problems.add(staleDelete.applied()
                    ? "the store ignores If-Match on DELETE, but conditional-deletes is NATIVE: an expired document's "
                            + "lazy delete could remove one another instance has just rewritten (use AUTO or EMULATED)"
                    : "the store did not refuse a DELETE with a stale If-Match (" + staleDelete.answer() + "), but "
                            + "conditional-deletes is NATIVE: an expired document's lazy delete could fail, or remove "
                            + "one another instance has just rewritten (use AUTO or EMULATED)");
            findings.add(staleDelete.applied() ? "conditional DELETE IGNORED"
                    : "conditional DELETE NOT HONOURED (" + staleDelete.answer() + ")");
        } else {
            findings.add("conditional DELETE " + (staleDelete.applied() ? "ignored" : "not honoured ("
                    + staleDelete.answer() + ")") + ", deletes emulated with tombstones");
        }
        // 7. replace of a missing key must fail its precondition: the probe object's key once it is deleted,
        // with its last ETag (as the engine replaces a document another instance has just deleted), and a key
        // no check has written. The first only when the DELETE before it was answered with a success: a
        // removal that failed (a bucket policy that allows only conditional deletes) would leave the object
        // there for the replace to match, a problem made up on a safe store.
        step = "the replace of a missing key";
        Answer removal = delete(key, null);
        if (!failed(removal)) {
            mayHold.remove(key);
        }
        boolean deletedKeyTried = removal.failure() == null || removal.failure().isNoSuchKey();
        if (deletedKeyTried && replaceOfAMissingKeyAccepted(key, replaced)
                || replaceOfAMissingKeyAccepted(neverWrittenKey(key), replaced)) {
            // found once is enough: a second replace that hangs must not turn the problem into an outage
            problems.add("the store ignores If-Match on PUT of a missing key (the replace created it)");
            findings.add("replace of a missing key ACCEPTED");
        } else {
            findings.add("replace of a missing key refused");
        }
        if (!deletedKeyTried) {
            findings.add("replace of a deleted key not checked (the probe object could not be removed: "
                    + removal.failure().summary() + ")");
        }
    }

    /**
     * Step 1: creates the probe object with {@code If-None-Match: *}, after removing one an earlier check cut
     * short left behind when the create finds one. A refusal that is the store's answer (not a transient
     * error), while a PUT of the probe object without a precondition is applied, is the store refusing the
     * precondition: a problem (a store without conditional writes answers 501). So is a create refused as a
     * conflict although the object was removed before it.
     *
     * @return the probe object's ETag, or {@code null} when the store refused the create (a problem recorded)
     * @throws StorageException on an outage, or a refusal of the PUT without a precondition too (no permission
     *     to write, no such bucket): then the store refuses the PUT, whatever its preconditions
     */
    private @Nullable String create() {
        StorageException failure;
        boolean keyMissing = true;
        try {
            if (put(1, Precondition.absent()) instanceof PutResult.Written written) {
                return written.etag();
            }
            removeOrName(key); // left behind by an earlier check that was cut short
            keyMissing = !mayHold.contains(key);
            if (put(1, Precondition.absent()) instanceof PutResult.Written written) {
                return written.etag();
            }
            failure = new StorageException("S3 store check: could not create the probe object s3://" + bucket + "/"
                    + key + (keyMissing ? " (refused as a conflict although the key was missing)" : ""));
        } catch (StorageException e) {
            if (isMissingEtag(e) || !refusal(e)) {
                throw e; // an outage, as a failure of any other step is (a missing ETag: see run)
            }
            failure = e;
        }
        if (!keyMissing || !plainPutApplied()) {
            throw failure; // the object may still be there; or the store refuses any PUT
        }
        problems.add("the store refuses a create with If-None-Match: * on PUT, while it takes a PUT without a "
                + "precondition (" + failure.getMessage() + "): every new session's first write would fail");
        findings.add("create with If-None-Match: * REFUSED");
        return null;
    }

    /**
     * Sends a PUT of the probe object without a precondition, once, with no SDK retry.
     *
     * @return whether it was applied; {@code false} on any failure (its key stays among what may be left)
     * @throws StorageException when the thread is interrupted or the check's time is up
     */
    private boolean plainPutApplied() {
        byte[] body = body(1);
        try {
            return await(() -> {
                mayHold.add(key);
                return writeClient.putObject(b -> b.bucket(bucket).key(key).contentLength((long) body.length)
                        .overrideConfiguration(overrides.write()), AsyncRequestBody.fromBytes(body));
            }) != null;
        } catch (StorageException e) {
            if (causedByInterrupt(e)) {
                Thread.currentThread().interrupt(); // the client may have cleared it: the check must stop
                throw e;
            }
            if (e.getCause() instanceof OutOfTime) {
                throw e;
            }
            return false;
        }
    }

    /**
     * Sends a replace with {@code If-Match} of {@code missingKey}, which is missing, as it is: not through
     * the backend's put, which settles a lost answer by reading the key (and, finding it missing, would
     * answer "refused" for a replace that may still land on a store that ignores the header). Sent once,
     * with no SDK retry: a refusal is the store's answer to this PUT.
     *
     * @return whether it was applied (it must be refused: 412, 409 {@code ConditionalRequestConflict} or 404
     *     {@code NoSuchKey}); the object it created is removed again
     * @throws StorageException on any other answer, or none, naming the PUT: the check cannot tell (an
     *     outage); the key is named among what may be left when the answer does not say whether the PUT
     *     was applied
     */
    private boolean replaceOfAMissingKeyAccepted(String missingKey, String etag) {
        byte[] body = body(5);
        boolean[] sent = {false};
        S3Failure failure;
        try {
            PutObjectResponse response = await(() -> {
                CompletableFuture<PutObjectResponse> put;
                try {
                    put = writeClient.putObject(b -> b.bucket(bucket).key(missingKey)
                            .contentLength((long) body.length)
                            .ifMatch(StoreQuirks.ifMatch(etag, backend.sendsIfMatchUnquoted()))
                            .overrideConfiguration(overrides.write()), AsyncRequestBody.fromBytes(body));
                } catch (RuntimeException e) { // not sent: a closed client, an application's wrapper
                    return CompletableFuture.failedFuture(e);
                }
                if (put == null) {
                    return CompletableFuture.failedFuture(S3Failure.nullAnswer());
                }
                sent[0] = true;
                mayHold.add(missingKey);
                return put; // itself: the deadline's cancel must reach the SDK's request
            });
            if (response != null) {
                removeOrName(missingKey);
                return true;
            }
            failure = S3Failure.of(S3Failure.nullAnswer()); // a mock's null response is no success
        } catch (StorageException e) {
            if (causedByInterrupt(e)) {
                Thread.currentThread().interrupt(); // the client may have cleared it: the check must stop
                throw e;
            }
            if (e.getCause() == null || e.getCause() instanceof OutOfTime) {
                throw e;
            }
            failure = S3Failure.of(e.getCause());
            if (StoreQuirks.isPutConflict(failure, true)) {
                if (!missingKey.equals(key)) {
                    // The key never written: refused, and no other PUT of the check's can land there.
                    mayHold.remove(missingKey);
                }
                return false;
            }
        }
        if (sent[0] && failure.isAmbiguous()) {
            mayLand.add(missingKey);
        }
        throw failure.toStorageException("PUT", bucket, missingKey, " (the store check's replace of a missing key "
                + "with If-Match)");
    }

    /**
     * @return a key no check has written, beside {@code probeKey}: the probe key, cut short where the key
     *     would be too long, with a random suffix
     */
    static String neverWrittenKey(String probeKey) {
        String suffix = ".missing-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        // Keys are printable ASCII (S3StorageBackend checks them): a character is a byte.
        int room = S3StorageBackend.MAX_KEY_BYTES - suffix.length();
        return (probeKey.length() > room ? probeKey.substring(0, room) : probeKey) + suffix;
    }

    /**
     * How the store answered a DELETE with a stale {@code If-Match}.
     *
     * @param refused the store refused the precondition: it evaluates {@code If-Match} on DELETE
     * @param applied the store answered with a success: it ignores the header
     * @param answer the answer, for findings and problems
     */
    private record StaleDelete(boolean refused, boolean applied, String answer) {}

    /**
     * Sends one DELETE of the probe object with a stale {@code If-Match}. Only a refusal of the
     * precondition (412, or 409 {@code ConditionalRequestConflict}: {@link StoreQuirks#isDeleteConflict})
     * shows that the store evaluates the header, and only it may switch {@link ConditionalDeletes#AUTO}
     * to native deletes. No other answer shows that: a success means the header was ignored (a native
     * delete would remove a document another instance has just rewritten); a rejection (400, 501) means
     * every native conditional delete would fail; a transient error or no answer, still there after
     * {@value #DELETE_ATTEMPTS} attempts, leaves the question open (with {@link ConditionalDeletes#NATIVE}
     * pinned, it fails the check as an outage). That the object is still there afterwards proves
     * nothing, since a request that failed deleted nothing whether or not the store would have
     * evaluated the header. That it is gone does: a refusal that follows an attempt with a transient
     * error counts only while the object is still there, since that attempt may have deleted it (the
     * header ignored), and a store may refuse a DELETE with {@code If-Match} of a missing key.
     */
    private StaleDelete deleteWithStaleEtag(String staleEtag, boolean nativePinned) {
        Answer answer = delete(key, StoreQuirks.ifMatch(staleEtag, backend.sendsIfMatchUnquoted()));
        if (answer.failure() == null) {
            return new StaleDelete(false, true, "the DELETE succeeded");
        }
        S3Failure failure = answer.failure();
        if (nativePinned && isTransient(failure)) {
            // Pinned native, the question must be answered; a transient error answers nothing: an outage,
            // as a failure of any other step is (with AUTO, deletes simply stay emulated).
            throw answer.error();
        }
        boolean refused = StoreQuirks.isDeleteConflict(failure);
        if (refused && answer.afterTransient() && failure.status() == 409) {
            // A concurrent write in progress: perhaps the attempt that got no answer, still running. Whether it
            // will delete the object is unknown: the question stays open, as after a transient error.
            if (nativePinned) {
                throw answer.error();
            }
            return new StaleDelete(false, false, failure.summary() + " after an attempt that got no answer");
        }
        if (refused && answer.afterTransient() && get(null) instanceof GetResult.NotFound) {
            // An earlier attempt, with the same stale ETag, removed the object: the store ignores the header,
            // and the refusal only says that the key was missing by then.
            return new StaleDelete(false, true, "an attempt that got no answer deleted the object");
        }
        return new StaleDelete(refused, false, failure.summary());
    }

    /**
     * Sends one DELETE of the probe object with its current ETag (in the form the backend sends
     * {@code If-Match} in), after the store refused a stale one: it must apply for native deletes to work.
     *
     * @return {@code null} when it was applied; else the store's answer (a refusal, or any other
     *     failure: with {@link ConditionalDeletes#NATIVE} pinned, a transient error fails the check as an
     *     outage instead)
     */
    private @Nullable S3Failure deleteWithCurrentEtag(String currentEtag, boolean nativePinned) {
        Answer answer = delete(key, StoreQuirks.ifMatch(currentEtag, backend.sendsIfMatchUnquoted()));
        S3Failure failure = answer.failure();
        if (failure == null) {
            return null;
        }
        if (answer.afterTransient() && (StoreQuirks.isDeleteConflict(failure) || failure.isNoSuchKey())
                && get(null) instanceof GetResult.NotFound) {
            return null; // the attempt that got no answer deleted the object: the retry found it gone
        }
        if (nativePinned && isTransient(failure)) {
            throw answer.error();
        }
        return failure;
    }

    /**
     * Removes an object of the check: a plain DELETE, and, when that fails (refused, as where a bucket policy
     * allows only conditional deletes), one with {@code If-Match} of the object's current ETag, in the form
     * the backend sends. Sends nothing once the thread is interrupted or the deadline has passed. An object
     * that may still be there stays in {@link #mayHold}, with why; a step that needs the object gone reports
     * that too.
     */
    private void removeOrName(String objectKey) {
        String why;
        try {
            Answer answer = delete(objectKey, null);
            why = failed(answer)
                    && await(() -> backend.get(objectKey, null)) instanceof GetResult.Found found
                    && failed(delete(objectKey, StoreQuirks.ifMatch(found.etag(), backend.sendsIfMatchUnquoted())))
                            ? "not removed: " + answer.failure().summary() : null;
        } catch (StorageException e) {
            why = causedByInterrupt(e) ? "the check was interrupted"
                    : e.getCause() instanceof OutOfTime ? "the check's time was up"
                    : "not removed: " + e.getMessage();
        }
        if (why == null) {
            mayHold.remove(objectKey);
            notRemoved.remove(objectKey);
        } else {
            mayHold.add(objectKey);
            notRemoved.put(objectKey, why);
        }
    }

    /** @return whether a DELETE failed: neither applied nor answered 404 {@code NoSuchKey} */
    private static boolean failed(Answer answer) {
        return answer.failure() != null && !answer.failure().isNoSuchKey();
    }

    /**
     * How the store answered one of the probe's DELETEs.
     *
     * @param failure {@code null} when the DELETE succeeded
     * @param error the error behind {@code failure}
     * @param afterTransient an earlier attempt failed with a transient error (no answer, or one such as a
     *     500 that a store may send for a request it applied), so may have been applied
     */
    private record Answer(@Nullable S3Failure failure, @Nullable StorageException error, boolean afterTransient) {}

    /**
     * Sends one DELETE of the probe object (conditional when {@code ifMatch} is given), and sends it again,
     * at most {@value #DELETE_ATTEMPTS} times in all and within the deadline, while it fails with a
     * transient error: a closed connection or a 503 says nothing about how the store treats the header,
     * and the probe's DELETEs carry no SDK retry (the backend's own deletes must not be retried blindly).
     * A failure is the answer (a failure that says nothing when the attempts ran out, or the deadline passed
     * after a transient error).
     *
     * @throws StorageException when the thread is interrupted (its interrupt status stays set), or the deadline
     *     passed before an answer came: neither is the store's answer
     */
    private Answer delete(String objectKey, @Nullable String ifMatch) {
        boolean afterTransient = false;
        for (int attempt = 1; ; attempt++) {
            try {
                await(() -> writeClient.deleteObject(b -> b.bucket(bucket).key(objectKey).ifMatch(ifMatch)
                        .overrideConfiguration(overrides.delete())));
                return new Answer(null, null, afterTransient);
            } catch (StorageException e) {
                S3Failure failure = S3Failure.of(e.getCause() != null ? e.getCause() : e);
                if (causedByInterrupt(e)) {
                    Thread.currentThread().interrupt(); // the client may have cleared it: the caller must see it
                    throw e; // not the store's answer: the check stops
                }
                if (e.getCause() instanceof OutOfTime) {
                    throw e; // nor is the deadline
                }
                if (!isTransient(failure) || attempt == DELETE_ATTEMPTS || deadline - System.nanoTime() <= 0) {
                    return new Answer(failure, e, afterTransient);
                }
                afterTransient = true;
            }
        }
    }

    /**
     * @return whether a failed request is the store's answer: not an interrupt, the deadline, a transient
     *     error or no answer
     */
    private static boolean refusal(StorageException error) {
        Throwable cause = error.getCause();
        return !causedByInterrupt(error) && !(cause instanceof TimeoutException)
                && (cause == null || !isTransient(S3Failure.of(cause)));
    }

    /** @return whether the store answered a request with a success that carries no ETag (see {@link #run}) */
    private static boolean isMissingEtag(StorageException error) {
        return error instanceof CompareAndSwap.MissingEtag;
    }

    private static boolean causedByInterrupt(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }

    private static boolean isTransient(S3Failure failure) {
        return failure.isAmbiguous() || failure.status() == 429;
    }

    /**
     * Writes the probe object: its body's {@code version}, with {@code precondition}. Its key joins
     * {@link #mayHold} whatever the answer: an answer the backend gives for a PUT whose answer was lost
     * (PreconditionFailed once a read found another object or none) does not say that a copy of it will not
     * land.
     */
    private PutResult put(int version, Precondition precondition) {
        return await(() -> {
            mayHold.add(key);
            return backend.put(key, body(version), precondition);
        });
    }

    /** Reads the probe object, conditional on {@code etag} when given. */
    private GetResult get(@Nullable String etag) {
        return await(() -> backend.get(key, etag));
    }

    private static byte[] body(int version) {
        return ("durable-stash store check " + version).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Sends one request and waits for its answer within the check's deadline.
     *
     * @throws StorageException when the request fails, the deadline passes, or the thread is interrupted
     *     (then its interrupt status stays set, and nothing is sent: the SDK clears the status of a thread
     *     that calls it interrupted and fails the call with an error that looks like a lost connection)
     */
    private <T> T await(Supplier<? extends CompletionStage<T>> request) {
        if (Thread.currentThread().isInterrupted()) {
            throw interruptedError(new InterruptedException());
        }
        if (deadline - System.nanoTime() <= 0) {
            throw outOfTime(); // nothing is sent once the time is up: the check ends within its timeout
        }
        CompletionStage<T> stage = S3Failure.sent(request); // a client that throws at once: a failed request
        try {
            return stage.toCompletableFuture().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            stage.toCompletableFuture().cancel(true);
            throw outOfTime();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interruptedError(e);
        } catch (ExecutionException e) {
            Throwable cause = S3Failure.unwrap(e.getCause());
            if (cause instanceof StorageException storage) {
                throw storage;
            }
            throw new StorageException("S3 store check of s3://" + bucket + "/" + key + ": " + summary(cause), cause);
        }
    }

    private StorageException outOfTime() {
        return new StorageException("S3 store check of s3://" + bucket + "/" + key + " did not finish in time",
                new OutOfTime());
    }

    private static StorageException interruptedError(InterruptedException cause) {
        return new StorageException("S3 store check interrupted", cause);
    }

    /** The check's own deadline passed (not a timeout of the client's). */
    private static final class OutOfTime extends TimeoutException {
        private static final long serialVersionUID = 1L;

        OutOfTime() {
            super("the check's time was up");
        }
    }

    private static String summary(@Nullable Throwable cause) {
        return cause == null ? "failed" : S3Failure.of(cause).summary();
    }
}
