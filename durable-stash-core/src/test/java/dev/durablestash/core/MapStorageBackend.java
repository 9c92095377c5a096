package dev.durablestash.core;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageException;

/**
 * The engine tests' storage: a {@link StorageBackend} over a map that behaves like a remote object
 * store, as Spring Session's {@code MapSessionRepository} does for sessions, with the few switches the
 * engine tests need to make it slow or flaky, and call counters. The core's tests cannot use
 * {@code InMemoryStorageBackend} (its module depends on this one); this class answers exactly as that
 * one does for everything the tests use, and passes the same contract suite
 * ({@code MapStorageBackendContractTests}).
 *
 * <h2>Behaviour</h2>
 * Bodies are copied on the way in and on the way out. Compare-and-swap is exact: every conditional
 * write is one atomic {@link ConcurrentHashMap#compute} step. Every write gets a new ETag
 * ({@code "v" + sequence number}), even when the bytes are identical, so a stale ETag is always
 * detected. Keys must be non-empty printable ASCII of at most 1,024 characters, as the
 * {@code StorageBackend} contract allows; others are rejected at once with an
 * {@link IllegalArgumentException}, which catches key bugs in tests.
 *
 * <h2>Switches</h2>
 * Set per {@link Operation}, for the calls made after:
 * <ul>
 * <li>{@linkplain #setLatency(Operation, Duration) latency}: the stage completes that much later, on a
 * shared daemon timer thread (continuations run there); with none (the default) it completes before
 * the method returns, on the caller's thread. The operation itself takes effect at once.</li>
 * <li>{@linkplain #failNext failures} (the next N calls, or {@linkplain #setFailureRate a
 * fraction}): the call is <em>not</em> applied and its stage fails with a {@link StorageException}.</li>
 * <li>{@linkplain #setLostResponseRate lost responses} (a fraction): the call <em>is</em> applied, then
 * its stage fails anyway, like a timeout after the store committed.</li>
 * </ul>
 * Fractions draw from a {@link Random} seeded by the constructor, so a single-threaded test sees the
 * same faults on every run. The inspection methods ({@link #read}, {@link #etag}, {@link #write},
 * {@link #keys}, {@link #size}, {@link #clear}) are never slowed, failed or counted.
 *
 * <p>Thread-safe.
 */
final class MapStorageBackend implements StorageBackend {

    /** The storage operations, for switches and counters. */
    enum Operation {
        /** {@link StorageBackend#get}. */
        GET,
        /** {@link StorageBackend#put}. */
        PUT,
        /** {@link StorageBackend#delete}. */
        DELETE
    }

    private static final long DEFAULT_SEED = 0x5EED_5EEDL;
    private static final int MAX_KEY_LENGTH = 1024;

    private final ConcurrentHashMap<String, Stored> objects = new ConcurrentHashMap<>();
    private final Map<Operation, Switches> switches = new EnumMap<>(Operation.class);
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong notModified = new AtomicLong();
    private final Random random;

    /** An empty store whose fault fractions use a fixed seed. */
    MapStorageBackend() {
        this(DEFAULT_SEED);
    }

    /** @param randomSeed the seed of the random numbers that decide fractional faults */
    MapStorageBackend(long randomSeed) {
        this.random = new Random(randomSeed);
        for (Operation operation : Operation.values()) {
            switches.put(operation, new Switches());
        }
    }

    @Override
    public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
        validate(key);
        Switches op = begin(Operation.GET);
        if (op.failsNow(random)) {
            return fail(op, failure(Operation.GET, key, "injected failure"));
        }
        Stored current = objects.get(key);
        GetResult result;
        if (current == null) {
            result = GetResult.notFound();
        } else if (current.etag().equals(ifNoneMatch)) {
            notModified.incrementAndGet();
            result = GetResult.notModified();
        } else {
            result = GetResult.found(current.body().clone(), current.etag());
        }
        if (op.losesResponseNow(random)) {
            return fail(op, failure(Operation.GET, key, "injected lost response"));
        }
        return respond(op, result);
    }

    @Override
    public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
        validate(key);
        byte[] copy = Objects.requireNonNull(body, "body").clone();
        Objects.requireNonNull(precondition, "precondition");
        Switches op = begin(Operation.PUT);
        if (op.failsNow(random)) {
            return fail(op, failure(Operation.PUT, key, "injected failure, not applied"));
        }
        Stored[] written = new Stored[1];
        objects.compute(key, (k, current) -> {
            boolean holds = precondition.requiresAbsent()
                    ? current == null
                    : current != null && current.etag().equals(precondition.etag());
            if (!holds) {
                return current;
            }
            written[0] = new Stored(copy, nextEtag());
            return written[0];
        });
        PutResult result = written[0] == null ? PutResult.preconditionFailed() : PutResult.written(written[0].etag());
        if (op.losesResponseNow(random)) {
            return fail(op, failure(Operation.PUT, key, "injected lost response (the put was "
                    + (written[0] == null ? "answered precondition-failed" : "applied") + ")"));
        }
        return respond(op, result);
    }

    @Override
    public CompletionStage<Boolean> delete(String key, @Nullable String ifMatch) {
        validate(key);
        Switches op = begin(Operation.DELETE);
        if (op.failsNow(random)) {
            return fail(op, failure(Operation.DELETE, key, "injected failure, not applied"));
        }
        boolean[] mismatch = new boolean[1];
        objects.computeIfPresent(key, (k, current) -> {
            if (ifMatch != null && !current.etag().equals(ifMatch)) {
                mismatch[0] = true;
                return current;
            }
            return null;
        });
        if (op.losesResponseNow(random)) {
            return fail(op, failure(Operation.DELETE, key, "injected lost response (the delete was "
                    + (mismatch[0] ? "answered precondition-failed" : "applied") + ")"));
        }
        return respond(op, !mismatch[0]);
    }

    /** @return {@code true}: everything stored here is lost with the process */
    @Override
    public boolean isEphemeral() {
        return true;
    }

    /** @return {@code "in-memory"} */
    @Override
    public String describe() {
        return "in-memory";
    }

    // ---------------------------------------------------------------- switches

    /** Delays the completion of every operation by {@code latency} (zero for none). */
    public void setLatency(Duration latency) {
        for (Operation operation : Operation.values()) {
            setLatency(operation, latency);
        }
    }

    /** Delays the completion of one operation by {@code latency} (zero for none). */
    public void setLatency(Operation operation, Duration latency) {
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative, was " + latency);
        }
        switchesOf(operation).latencyNanos = latency.toNanos();
    }

    /** Makes the next {@code count} calls of an operation fail without being applied (0: none). */
    public void failNext(Operation operation, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, was " + count);
        }
        switchesOf(operation).failNext.set(count);
    }

    /** Makes a fraction (0 to 1) of the calls of an operation fail without being applied. */
    public void setFailureRate(Operation operation, double fraction) {
        switchesOf(operation).failureRate = requireFraction(fraction);
    }

    /** Makes a fraction (0 to 1) of the calls of an operation be applied and then fail anyway. */
    public void setLostResponseRate(Operation operation, double fraction) {
        switchesOf(operation).lostResponseRate = requireFraction(fraction);
    }

    /** Turns every switch off and every latency to zero. Counters and content stay. */
    public void clearFaults() {
        for (Switches op : switches.values()) {
            op.latencyNanos = 0;
            op.failNext.set(0);
            op.failureRate = 0;
            op.lostResponseRate = 0;
        }
    }

    // ---------------------------------------------------------------- counters

    /** @return how many calls of the operation were received (with valid arguments), failed ones included */
    public long count(Operation operation) {
        return switchesOf(operation).calls.get();
    }

    /** @return how many gets were answered not-modified */
    public long notModified() {
        return notModified.get();
    }

    /** Sets all counters to zero. */
    public void resetCounters() {
        for (Switches op : switches.values()) {
            op.calls.set(0);
        }
        notModified.set(0);
    }

    // ---------------------------------------------------------------- inspection

    /** @return a copy of the body stored under {@code key}, or empty */
    public Optional<byte[]> read(String key) {
        Stored current = objects.get(Objects.requireNonNull(key, "key"));
        return current == null ? Optional.empty() : Optional.of(current.body().clone());
    }

    /** @return the ETag of the object under {@code key}, or empty when there is none */
    public Optional<String> etag(String key) {
        Stored current = objects.get(Objects.requireNonNull(key, "key"));
        return current == null ? Optional.empty() : Optional.of(current.etag());
    }

    /** Writes an object unconditionally (a copy of {@code body}, a new ETag): to plant a document. */
    public void write(String key, byte[] body) {
        validate(key);
        objects.put(key, new Stored(Objects.requireNonNull(body, "body").clone(), nextEtag()));
    }

    /** @return a snapshot of the keys stored */
    public Set<String> keys() {
        return Set.copyOf(objects.keySet());
    }

    /**
     * @return a snapshot of the keys that hold state: every object but a plain session document without views
     *     (what an end or a rotation leaves under the old id, to refuse a late create of the session)
     */
    public Set<String> keysWithState() {
        return objects.entrySet().stream().filter(entry -> holdsState(entry.getValue().body())).map(Map.Entry::getKey)
                .collect(Collectors.toUnmodifiableSet());
    }

    private static boolean holdsState(byte[] body) {
        try {
            SessionDocument doc = SessionDocument.parse(body);
            return doc.hasViews() || doc.isMarker();
        } catch (RuntimeException notAPlainDocument) { // encrypted, or not a document at all
            return true;
        }
    }

    /** @return the number of objects stored */
    public int size() {
        return objects.size();
    }

    /** Removes every object. Switches and counters stay. */
    public void clear() {
        objects.clear();
    }

    @Override
    public String toString() {
        return "MapStorageBackend[" + objects.size() + " objects]";
    }

    // ---------------------------------------------------------------- internals

    private Switches begin(Operation operation) {
        Switches op = switchesOf(operation);
        op.calls.incrementAndGet();
        return op;
    }

    private Switches switchesOf(Operation operation) {
        return switches.get(Objects.requireNonNull(operation, "operation"));
    }

    private String nextEtag() {
        return "v" + sequence.incrementAndGet();
    }

    private static StorageException failure(Operation operation, String key, String reason) {
        return new StorageException("In-memory " + operation + " of key \"" + key + "\" failed: " + reason);
    }

    private static <T> CompletionStage<T> respond(Switches op, T result) {
        long delay = op.latencyNanos;
        if (delay == 0) {
            return CompletableFuture.completedFuture(result);
        }
        CompletableFuture<T> future = new CompletableFuture<>();
        Timer.INSTANCE.schedule(() -> future.complete(result), delay, TimeUnit.NANOSECONDS);
        return future;
    }

    private static <T> CompletionStage<T> fail(Switches op, StorageException failure) {
        long delay = op.latencyNanos;
        if (delay == 0) {
            return CompletableFuture.failedFuture(failure);
        }
        CompletableFuture<T> future = new CompletableFuture<>();
        Timer.INSTANCE.schedule(() -> future.completeExceptionally(failure), delay, TimeUnit.NANOSECONDS);
        return future;
    }

    private static void validate(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("Invalid storage key \"" + key
                    + "\": it must have 1 to " + MAX_KEY_LENGTH + " characters");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException("Invalid storage key (length " + key.length()
                        + "): it has a character that is not printable ASCII at index " + i);
            }
        }
    }

    private static double requireFraction(double fraction) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fraction must be within 0 and 1, was " + fraction);
        }
        return fraction;
    }

    /** A stored version: the body is never handed out or modified. */
    private record Stored(byte[] body, String etag) {
    }

    /** The switches and call counter of one operation. */
    private static final class Switches {
        final AtomicLong calls = new AtomicLong();
        final AtomicInteger failNext = new AtomicInteger();
        volatile long latencyNanos;
        volatile double failureRate;
        volatile double lostResponseRate;

        boolean failsNow(Random random) {
            return failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0 || draw(random, failureRate);
        }

        boolean losesResponseNow(Random random) {
            return draw(random, lostResponseRate);
        }

        private static boolean draw(Random random, double rate) {
            return rate > 0 && random.nextDouble() < rate;
        }
    }

    /** The one timer thread, shared by all instances, that completes delayed stages. */
    private static final class Timer {
        static final ScheduledExecutorService INSTANCE = create();

        private static ScheduledExecutorService create() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = new Thread(runnable, "map-storage-latency");
                thread.setDaemon(true);
                return thread;
            });
            timer.setRemoveOnCancelPolicy(true);
            return timer;
        }
    }
}
