package dev.durablestash.testing;

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
import java.util.concurrent.atomic.LongAdder;

import org.jspecify.annotations.Nullable;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageException;

/**
 * A {@link StorageBackend} in memory that behaves like a remote object store, with switches to
 * make it slow or flaky, and counters of the calls it received. For tests.
 *
 * <h2>Behaviour</h2>
 * Bodies are copied on the way in and on the way out. Compare-and-swap is exact: every
 * conditional write is one atomic {@link ConcurrentHashMap#compute} step. Every write gets a new
 * ETag ({@code "v" + sequence number}), even when the bytes are identical, so a stale ETag is
 * always detected. Keys must be non-empty printable ASCII of at most 1,024 characters, as the
 * {@code StorageBackend} contract allows; others are rejected with an
 * {@link IllegalArgumentException} at once, which helps to catch key bugs in tests.
 *
 * <h2>Fault injection</h2>
 * Each switch is set per {@link Operation} and takes effect for calls made after it is set:
 * <ul>
 * <li>{@linkplain #setLatency(Operation, Duration) latency}: the stage completes that much later,
 * on a shared timer thread (a daemon), so continuations run there: keep them short. The caller's
 * thread is never parked. With zero latency (the default) stages complete before the method
 * returns, on the caller's thread.</li>
 * <li>{@linkplain #failNext(Operation, int) failures} ({@link #failNext the next N calls}, or
 * {@linkplain #setFailureRate a fraction}): the call is <em>not</em> applied and its stage fails
 * with a {@link StorageException}.</li>
 * <li>{@linkplain #loseNextResponses(Operation, int) lost responses} (the next N calls, or
 * {@linkplain #setLostResponseRate a fraction}): the call <em>is</em> applied (a put writes, a
 * delete deletes), then its stage fails with a {@link StorageException} anyway, like a timeout
 * after the store committed. A lost GET response simply fails.</li>
 * </ul>
 * "Next N" switches are used before fractions; a call that fails is never also a lost response.
 * Fractions draw from a {@link Random} seeded by the constructor, so a single-threaded test sees
 * the same faults on every run. The operation takes effect when the method is called; latency
 * delays only its answer, as if the response were slow. Faults never touch the inspection methods
 * ({@link #read}, {@link #write}, {@link #keys}, {@link #size}, {@link #clear}), which also do not
 * count.
 *
 * <h2>Counters</h2>
 * {@link #count(Operation)} counts every call with valid arguments, including injected failures;
 * {@link #preconditionFailures()} counts puts answered {@link PutResult.PreconditionFailed} and
 * deletes answered {@code false}; {@link #notModified()} counts gets answered
 * {@link GetResult.NotModified}.
 *
 * <p>Thread-safe: all methods may be called concurrently, also while calls are in flight.
 */
public final class InMemoryStorageBackend implements StorageBackend {

    /** The storage operations, for fault switches and counters. */
    public enum Operation {
        /** {@link StorageBackend#get}. */
        GET,
        /** {@link StorageBackend#put}. */
        PUT,
        /** {@link StorageBackend#delete}. */
        DELETE
    }

    private static final long DEFAULT_SEED = 0x5EED_5EEDL;
    private static final int MAX_KEY_LENGTH = 1024;

    private final ConcurrentHashMap<String, StoredObject> objects = new ConcurrentHashMap<>();
    private final Map<Operation, Switches> switches = new EnumMap<>(Operation.class);
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong preconditionFailures = new AtomicLong();
    private final AtomicLong notModified = new AtomicLong();
    private final Random random;

    /** Creates an empty backend whose fault fractions use a fixed default seed. */
    public InMemoryStorageBackend() {
        this(DEFAULT_SEED);
    }

    /**
     * Creates an empty backend.
     *
     * @param randomSeed the seed of the random numbers that decide fractional faults
     */
    public InMemoryStorageBackend(long randomSeed) {
        this.random = new Random(randomSeed);
        for (Operation operation : Operation.values()) {
            switches.put(operation, new Switches());
        }
    }

    // ---------------------------------------------------------------- StorageBackend

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the key is empty, longer than 1,024 characters or not
     *     printable ASCII
     */
    @Override
    public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
        validate(key);
        Switches op = begin(Operation.GET);
        if (op.failsNow(random)) {
            return fail(op, failure(Operation.GET, key, "injected failure"));
        }
        StoredObject current = objects.get(key);
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

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the key is empty, longer than 1,024 characters or not
     *     printable ASCII
     */
    @Override
    public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
        validate(key);
        byte[] copy = Objects.requireNonNull(body, "body").clone();
        Objects.requireNonNull(precondition, "precondition");
        Switches op = begin(Operation.PUT);
        if (op.failsNow(random)) {
            return fail(op, failure(Operation.PUT, key, "injected failure, not applied"));
        }
        StoredObject[] written = new StoredObject[1];
        objects.compute(key, (k, current) -> {
            boolean holds = precondition.requiresAbsent()
                    ? current == null
                    : current != null && current.etag().equals(precondition.etag());
            if (!holds) {
                return current;
            }
            written[0] = new StoredObject(copy, nextEtag());
            return written[0];
        });
        PutResult result;
        if (written[0] == null) {
            preconditionFailures.incrementAndGet();
            result = PutResult.preconditionFailed();
        } else {
            result = PutResult.written(written[0].etag());
        }
        if (op.losesResponseNow(random)) {
            return fail(op, failure(Operation.PUT, key, "injected lost response (the put was "
                    + (written[0] == null ? "answered precondition-failed" : "applied") + ")"));
        }
        return respond(op, result);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the key is empty, longer than 1,024 characters or not
     *     printable ASCII
     */
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
        if (mismatch[0]) {
            preconditionFailures.incrementAndGet();
        }
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

    // ---------------------------------------------------------------- fault switches

    /**
     * Delays the completion of every operation.
     *
     * @param latency the delay, zero for none
     * @throws IllegalArgumentException when negative
     */
    public void setLatency(Duration latency) {
        for (Operation operation : Operation.values()) {
            setLatency(operation, latency);
        }
    }

    /**
     * Delays the completion of one operation.
     *
     * @param operation the operation
     * @param latency the delay, zero for none
     * @throws IllegalArgumentException when negative
     */
    public void setLatency(Operation operation, Duration latency) {
        Objects.requireNonNull(latency, "latency");
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative, was " + latency);
        }
        switchesOf(operation).latencyNanos = latency.toNanos();
    }

    /**
     * Makes the next {@code count} calls of an operation fail without being applied (replacing any
     * count not used up yet).
     *
     * @param operation the operation
     * @param count how many calls fail; 0 turns the switch off
     * @throws IllegalArgumentException when negative
     */
    public void failNext(Operation operation, int count) {
        switchesOf(operation).failNext.set(requireCount(count));
    }

    /**
     * Makes a fraction of the calls of an operation fail without being applied.
     *
     * @param operation the operation
     * @param fraction from 0 (none, the default) to 1 (all)
     * @throws IllegalArgumentException when not within 0..1
     */
    public void setFailureRate(Operation operation, double fraction) {
        switchesOf(operation).failureRate = requireFraction(fraction);
    }

    /**
     * Makes the next {@code count} calls of an operation lose their response: a put or delete is
     * applied, then fails anyway; a get fails (replacing any count not used up yet).
     *
     * @param operation the operation
     * @param count how many responses are lost; 0 turns the switch off
     * @throws IllegalArgumentException when negative
     */
    public void loseNextResponses(Operation operation, int count) {
        switchesOf(operation).loseNext.set(requireCount(count));
    }

    /**
     * Makes a fraction of the calls of an operation lose their response: a put or delete is
     * applied, then fails anyway; a get fails.
     *
     * @param operation the operation
     * @param fraction from 0 (none, the default) to 1 (all)
     * @throws IllegalArgumentException when not within 0..1
     */
    public void setLostResponseRate(Operation operation, double fraction) {
        switchesOf(operation).lostResponseRate = requireFraction(fraction);
    }

    /** Turns every fault switch off and sets all latencies to zero. Counters and content stay. */
    public void clearFaults() {
        for (Switches op : switches.values()) {
            op.latencyNanos = 0;
            op.failNext.set(0);
            op.failureRate = 0;
            op.loseNext.set(0);
            op.lostResponseRate = 0;
        }
    }

    // ---------------------------------------------------------------- counters

    /**
     * @param operation the operation
     * @return how many calls of it were received (with valid arguments), failed ones included
     */
    public long count(Operation operation) {
        return switchesOf(operation).calls.sum();
    }

    /** @return how many puts were answered precondition-failed and deletes answered {@code false} */
    public long preconditionFailures() {
        return preconditionFailures.get();
    }

    /** @return how many gets were answered not-modified */
    public long notModified() {
        return notModified.get();
    }

    /** Sets all counters to zero. */
    public void resetCounters() {
        for (Switches op : switches.values()) {
            op.calls.reset();
        }
        preconditionFailures.set(0);
        notModified.set(0);
    }

    // ---------------------------------------------------------------- inspection

    /**
     * Reads an object directly: not counted, no faults, no latency.
     *
     * @param key the key
     * @return a copy of the stored body, or empty
     */
    public Optional<byte[]> read(String key) {
        StoredObject current = objects.get(Objects.requireNonNull(key, "key"));
        return current == null ? Optional.empty() : Optional.of(current.body().clone());
    }

    /**
     * Reads an object's current ETag directly: not counted, no faults, no latency.
     *
     * @param key the key
     * @return the ETag, or empty when there is no object
     */
    public Optional<String> etag(String key) {
        StoredObject current = objects.get(Objects.requireNonNull(key, "key"));
        return current == null ? Optional.empty() : Optional.of(current.etag());
    }

    /**
     * Writes an object unconditionally, with a new ETag: not counted, no faults, no latency. Useful
     * to plant a corrupt or old-format document.
     *
     * @param key the key
     * @param body the content (copied)
     * @throws IllegalArgumentException when the key is not acceptable
     */
    public void write(String key, byte[] body) {
        validate(key);
        objects.put(key, new StoredObject(Objects.requireNonNull(body, "body").clone(), nextEtag()));
    }

    /** @return a snapshot of the keys currently stored */
    public Set<String> keys() {
        return Set.copyOf(objects.keySet());
    }

    /** @return the number of objects currently stored */
    public int size() {
        return objects.size();
    }

    /** Removes every object. Switches and counters stay. */
    public void clear() {
        objects.clear();
    }

    @Override
    public String toString() {
        return "InMemoryStorageBackend[" + objects.size() + " objects]";
    }

    // ---------------------------------------------------------------- internals

    private Switches begin(Operation operation) {
        Switches op = switchesOf(operation);
        op.calls.increment();
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

    private static int requireCount(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, was " + count);
        }
        return count;
    }

    private static double requireFraction(double fraction) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fraction must be within 0 and 1, was " + fraction);
        }
        return fraction;
    }

    /** A stored version: the body is never handed out or modified. */
    private record StoredObject(byte[] body, String etag) {
    }

    /**
     * The switches and call counter of one operation. Every call reads the switches and counts, from any
     * thread: the counter is striped and a switch left at zero is only read, so that concurrent callers do
     * not contend for one cache line (the backend serves whole apps in tests and benchmarks).
     */
    private static final class Switches {
        final LongAdder calls = new LongAdder();
        final AtomicInteger failNext = new AtomicInteger();
        final AtomicInteger loseNext = new AtomicInteger();
        volatile long latencyNanos;
        volatile double failureRate;
        volatile double lostResponseRate;

        boolean failsNow(Random random) {
            return takeOne(failNext) || draw(random, failureRate);
        }

        boolean losesResponseNow(Random random) {
            return takeOne(loseNext) || draw(random, lostResponseRate);
        }

        private static boolean takeOne(AtomicInteger counter) {
            return counter.get() > 0 && counter.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
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
                Thread thread = new Thread(runnable, "in-memory-storage-latency");
                thread.setDaemon(true);
                return thread;
            });
            timer.setRemoveOnCancelPolicy(true);
            return timer;
        }
    }
}
