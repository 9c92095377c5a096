package dev.durablestash.benchmarks.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The least any group commit of a fixed number of callers does: each caller hands in its write and waits;
 * once every caller is waiting, one raw conditional PUT ({@code If-Match} the ETag of the one before, the
 * same bytes every time) goes out, and its answer answers them all. No document, no merge, no deadline, no
 * retry, and it knows how many callers there are, where the engine has to find out when to stop gathering.
 * The contended part times it beside the engine, with the same client, server, callers and answering
 * thread (the SDK's), as a reference: what a group commit of these callers that does none of the
 * engine's work reaches on this machine in the same run (not a ceiling: single rounds swing).
 *
 * <p>Thread-safe: {@link #commit()} is called by the callers, a PUT's answer comes on the SDK's thread.
 */
final class MinimalGroupCommit {

    private final S3AsyncClient client;
    private final String bucket;
    private final String key;
    private final byte[] body;
    private final int callers;

    private final Object lock = new Object();
    /** The callers waiting for the next PUT, in arrival order. */
    private List<CompletableFuture<Void>> waiting = new ArrayList<>();
    /** A PUT is in flight. */
    private boolean writing;
    /** The ETag of the last PUT; only the one PUT in flight reads and writes it. */
    private String etag;
    /** From this {@link System#nanoTime()} on, a PUT goes out without waiting for every caller. */
    private long roundEnd = Long.MAX_VALUE;
    private long puts;

    /**
     * Creates the object with an unconditional PUT ({@code If-None-Match: *} is not used: the key may exist).
     *
     * @param callers how many callers the PUTs wait for
     */
    MinimalGroupCommit(S3AsyncClient client, String bucket, String key, byte[] body, int callers) {
        this.client = client;
        this.bucket = bucket;
        this.key = key;
        this.body = body.clone();
        this.callers = callers;
        this.etag = client.putObject(request().build(), AsyncRequestBody.fromBytes(this.body)).join().eTag();
    }

    /**
     * Starts a round: until {@code millis} from now each PUT waits for every caller; then the callers waiting
     * are written without waiting for the others, and so is each caller that comes afterwards (the callers
     * stop coming then, as the round ends: those that stopped will never complete a group).
     */
    void startRound(long millis) {
        synchronized (lock) {
            roundEnd = System.nanoTime() + millis * 1_000_000L;
        }
        CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS).execute(this::writeWhoeverWaits);
    }

    /** At a round's end: writes the callers waiting, unless a PUT is in flight (its answer writes them). */
    private void writeWhoeverWaits() {
        List<CompletableFuture<Void>> batch;
        synchronized (lock) {
            batch = takeBatchIfDue(true);
        }
        if (batch != null) {
            write(batch);
        }
    }

    /** @return the PUTs sent so far */
    long puts() {
        synchronized (lock) {
            return puts;
        }
    }

    /**
     * Hands in one write and waits until a PUT that went out after it was answered.
     *
     * @throws java.util.concurrent.CompletionException if that PUT failed
     */
    void commit() {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        List<CompletableFuture<Void>> batch;
        synchronized (lock) {
            waiting.add(answer);
            batch = takeBatchIfDue(false);
        }
        if (batch != null) {
            write(batch);
        }
        answer.join();
    }

    /**
     * Called under {@code lock}.
     *
     * @param roundOver whether the round is known to be over (its end has come, whatever the clock reads)
     * @return the callers waiting, taken for the next PUT, when no PUT is in flight and they are due: all of
     *     them wait, or the round is over; else {@code null}
     */
    private List<CompletableFuture<Void>> takeBatchIfDue(boolean roundOver) {
        if (writing || waiting.isEmpty()
                || (!roundOver && waiting.size() < callers && System.nanoTime() - roundEnd < 0)) {
            return null;
        }
        List<CompletableFuture<Void>> batch = waiting;
        waiting = new ArrayList<>(callers);
        writing = true;
        puts++;
        return batch;
    }

    private void write(List<CompletableFuture<Void>> batch) {
        client.putObject(request().ifMatch(etag).build(), AsyncRequestBody.fromBytes(body)).whenComplete((response, error) -> {
            if (error == null) {
                etag = response.eTag();
            }
            for (CompletableFuture<Void> answer : batch) {
                if (error == null) {
                    answer.complete(null);
                } else {
                    answer.completeExceptionally(error);
                }
            }
            List<CompletableFuture<Void>> next;
            synchronized (lock) {
                writing = false;
                next = takeBatchIfDue(false);
            }
            if (next != null) {
                write(next);
            }
        });
    }

    private PutObjectRequest.Builder request() {
        return PutObjectRequest.builder().bucket(bucket).key(key);
    }
}
