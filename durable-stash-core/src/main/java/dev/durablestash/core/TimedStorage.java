package dev.durablestash.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageException;

/**
 * Puts a deadline on every storage call: past {@link StashSettings#operationTimeout()} the call's
 * stage fails with a {@link StorageException}, exactly like a lost answer. The backend's own stage
 * may still complete later; that late answer reaches nobody (the stage handed out is already
 * complete), and whatever it did in storage is found by the next read, as after any lost answer:
 * every write is compare-and-swap, so a late write can land only on the version it was based on and
 * never undoes a newer one. A backend that throws at once instead of returning a stage fails the same
 * way. Only a create ({@code If-None-Match: *}) can land on nothing. A write that would store nothing
 * writes anyway, and a session id rotation or an end that finds nothing leaves an empty document under
 * the key creates land on ({@link SessionStorage#fence()}): a late create, whether its PUT failed or got
 * no answer in time, here or on another instance, meets an object and is refused, so it cannot store its
 * state after an operation that arrived later. The keys with a PUT still in flight after its deadline are
 * kept ({@link #writeMayLand}) until the backend answers it, so that such a key other than the one
 * creates land on (a rotation's write-back under an older secret's key) is fenced too. The answer that
 * ends the wait may reach this class a little after the store applied the call: meanwhile a key may
 * still count as one a PUT may land on, which only costs such a write. Thread-safe.
 */
final class TimedStorage {

    private final StorageBackend backend;
    private final Deadlines deadlines;
    private final Duration timeout;
    /** Keys with PUTs that got no answer in time and none since (they may still land), and how many. */
    private final ConcurrentHashMap<String, Integer> unansweredPuts = new ConcurrentHashMap<>();

    TimedStorage(StorageBackend backend, Deadlines deadlines, Duration timeout) {
        this.backend = backend;
        this.deadlines = deadlines;
        this.timeout = timeout;
    }

    CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
        return timed("GET", key, () -> backend.get(key, ifNoneMatch));
    }

    CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
        return timed("PUT", key, () -> backend.put(key, body, precondition));
    }

    /** @return {@code true} while a PUT of {@code key} that got no answer in time has not answered since */
    boolean writeMayLand(String key) {
        return unansweredPuts.containsKey(key);
    }

    CompletionStage<Boolean> delete(String key, @Nullable String ifMatch) {
        return timed("DELETE", key, () -> backend.delete(key, ifMatch));
    }

    /** A storage call got no answer in time: to the engine, a lost answer. */
    static final class Timeout extends StorageException {
        private static final long serialVersionUID = 1L;

        Timeout(String message) {
            super(message);
        }
    }

    Duration timeout() {
        return timeout;
    }

    private <T> CompletionStage<T> timed(String operation, String key, Supplier<CompletionStage<T>> call) {
        CompletionStage<T> stage;
        try {
            stage = call.get();
        } catch (Exception e) { // also a checked exception thrown undeclared (Kotlin, sneaky throws); an Error is the actor's to log
            return CompletableFuture.failedFuture(e);
        }
        if (stage instanceof CompletableFuture<T> done && done.isDone()) {
            return done; // answered at once (an in-memory store): no deadline to set and cancel
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        Future<?> deadline = deadlines.after(timeout, () -> {
            boolean put = operation.equals("PUT");
            if (put) {
                unansweredPuts.merge(key, 1, Integer::sum); // before the failure, whose dependents may look at once
            }
            boolean timedOut = result.completeExceptionally(new Timeout(operation + " " + key + " got no answer within "
                    + timeout + " (operation-timeout); treated as lost"));
            if (put) {
                Runnable answered = () -> unansweredPuts.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
                if (timedOut) {
                    stage.whenComplete((value, error) -> answered.run());
                } else {
                    answered.run();
                }
            }
        });
        stage.whenComplete((value, error) -> {
            deadline.cancel(false);
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(value);
            }
        });
        return result;
    }
}
