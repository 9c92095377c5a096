package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A caller's stage waits as a {@link CompletableFuture} does: whatever completes it and however its
 * holder waits, the waiter gets what it would get from a plain one.
 */
class CallerFutureTests {

    /**
     * The stage is done (its write acknowledged) while its waiter's wake-up is still collected, and the
     * waiter is interrupted meanwhile: it gets the answer and keeps its interrupt, as from a plain future.
     */
    @ParameterizedTest
    @ValueSource(strings = { "get", "timed get" })
    void anInterruptedWaiterWhoseAnswerIsThereGetsTheAnswer(String how) throws Exception {
        CallerFuture<String> stage = new CallerFuture<>();
        AtomicReference<Object> got = new AtomicReference<>();
        AtomicReference<Boolean> interruptKept = new AtomicReference<>();
        Thread waiter = startWaiting("waiter", () -> {
            try {
                got.set(how.equals("get") ? stage.get() : stage.get(5, TimeUnit.SECONDS));
            } catch (Exception e) {
                got.set(e);
            }
            interruptKept.set(Thread.currentThread().isInterrupted());
        });
        CallerFuture.Wakes wakes = new CallerFuture.Wakes();
        wakes.gather(() -> stage.complete("written"));
        waiter.interrupt();
        waiter.join(10_000);
        wakes.wakeCollected();
        assertThat(got).hasValue("written");
        assertThat(interruptKept).hasValue(true);
    }

    @Test
    void completeAsyncReportsTheSuppliersExceptionAsAPlainFutureDoes() {
        IllegalStateException boom = new IllegalStateException("boom");
        Function<CompletableFuture<String>, String> seen = future -> {
            future.completeAsync(() -> {
                throw boom;
            }, Runnable::run);
            return String.valueOf(future.handle((value, error) -> error).join());
        };
        assertThat(seen.apply(new CallerFuture<>())).isEqualTo(seen.apply(new CompletableFuture<>()));
    }

    @Test
    void aZeroTimedGetOnAnInterruptedThreadAnswersAsAPlainFutureDoes() {
        Function<CompletableFuture<String>, String> outcome = future -> {
            Thread.currentThread().interrupt();
            try {
                future.get(0, TimeUnit.SECONDS);
                return "value";
            } catch (Exception e) {
                return e.getClass().getSimpleName() + " interrupted=" + Thread.interrupted();
            } finally {
                Thread.interrupted();
            }
        };
        assertThat(outcome.apply(new CallerFuture<>())).isEqualTo(outcome.apply(new CompletableFuture<>()));
    }

    /** A fork-join worker that joins a stage another task of its pool completes: the pool makes up for it. */
    @Test
    void aForkJoinWorkerThatJoinsTheStageLetsItsPoolMakeUpForIt() throws Exception {
        ForkJoinPool pool = new ForkJoinPool(1);
        try {
            CallerFuture<String> stage = new CallerFuture<>();
            CompletableFuture<String> joined = CompletableFuture.supplyAsync(() -> {
                pool.execute(() -> stage.complete("done"));
                return stage.join();
            }, pool);
            try {
                assertThat(joined.get(5, TimeUnit.SECONDS)).isEqualTo("done");
            } finally {
                stage.complete("unblock");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A waiter parked in join (and a second one in get), and each way the stage can be completed. */
    @ParameterizedTest
    @ValueSource(strings = { "complete", "orTimeout", "completeOnTimeout", "completeAsync", "cancel", "obtrudeValue",
            "obtrudeException", "completeExceptionally", "collected, then cancelled", "two waiters" })
    void aParkedWaiterGetsWhatAPlainFutureGives(String how) throws Exception {
        assertThat(waitersOutcome(new CallerFuture<>(), how)).isEqualTo(waitersOutcome(new CompletableFuture<>(), how));
    }

    private static List<Object> waitersOutcome(CompletableFuture<String> future, String how) throws Exception {
        AtomicReference<Object> first = new AtomicReference<>();
        AtomicReference<Object> second = new AtomicReference<>();
        Thread waiter = startWaiting("waiter", () -> first.set(outcome(future::join)));
        Thread other = null;
        if (how.equals("two waiters")) {
            other = startWaiting("second-waiter", () -> second.set(outcome(() -> {
                try {
                    return future.get();
                } catch (Exception e) {
                    return e.toString();
                }
            })));
        }
        switch (how) {
            case "orTimeout" -> future.orTimeout(50, TimeUnit.MILLISECONDS);
            case "completeOnTimeout" -> future.completeOnTimeout("late", 50, TimeUnit.MILLISECONDS);
            case "completeAsync" -> future.completeAsync(() -> "async");
            case "cancel" -> future.cancel(true);
            case "obtrudeValue" -> future.obtrudeValue("obtruded");
            case "obtrudeException" -> future.obtrudeException(new IllegalStateException("x"));
            case "completeExceptionally" -> future.completeExceptionally(new IllegalStateException("x"));
            case "collected, then cancelled" -> {
                if (future instanceof CallerFuture<String> caller) {
                    CallerFuture.Wakes wakes = new CallerFuture.Wakes();
                    wakes.gather(() -> caller.complete("v"));
                    caller.cancel(false); // already done: no effect
                    wakes.wakeCollected();
                } else {
                    future.complete("v");
                    future.cancel(false);
                }
            }
            default -> future.complete("v");
        }
        waiter.join(5_000);
        assertThat(waiter.isAlive()).as("the waiter returned").isFalse();
        if (other != null) {
            other.join(5_000);
            assertThat(other.isAlive()).as("the second waiter returned").isFalse();
        }
        return List.of(String.valueOf(first.get()), String.valueOf(second.get()));
    }

    /**
     * Randomized: 500 rounds of 2 to 8 stages completed inside a collection, each waited for by 0 to 2
     * threads in a way picked at random (join, get, timed get, a timed get too short then join, join
     * while interrupted), some arriving after the answers, one stage perhaps cancelled meanwhile and
     * one perhaps with a dependent action. No waiter is left parked, and each gets its own answer.
     */
    @Test
    void noWaiterIsLeftParked() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int round = 0; round < 500; round++) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int stages = 2 + random.nextInt(7);
            List<CallerFuture<Integer>> futures = new ArrayList<>();
            List<Thread> waiters = new ArrayList<>();
            CountDownLatch answered = new CountDownLatch(1);
            for (int i = 0; i < stages; i++) {
                CallerFuture<Integer> future = new CallerFuture<>();
                futures.add(future);
                int index = i;
                for (int w = random.nextInt(3); w > 0; w--) {
                    int mode = random.nextInt(5);
                    boolean late = random.nextBoolean();
                    Thread waiter = new Thread(() -> {
                        try {
                            if (late) {
                                answered.await();
                            }
                            Integer value = switch (mode) {
                                case 0 -> future.join();
                                case 1 -> future.get();
                                case 2 -> future.get(30, TimeUnit.SECONDS);
                                case 3 -> {
                                    try {
                                        future.get(ThreadLocalRandom.current().nextInt(50), TimeUnit.MICROSECONDS);
                                    } catch (TimeoutException tooShort) {
                                        // then waits for good
                                    }
                                    yield future.join();
                                }
                                default -> {
                                    Thread.currentThread().interrupt();
                                    Integer joined = future.join();
                                    assertThat(Thread.interrupted()).as("join keeps the interrupt").isTrue();
                                    yield joined;
                                }
                            };
                            assertThat(value).isEqualTo(index);
                        } catch (CancellationException cancelled) {
                            // the racing cancel came first
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        }
                    }, "waiter-" + round + "-" + i);
                    waiters.add(waiter);
                    waiter.start();
                }
            }
            CallerFuture<Integer> cancelled = futures.get(random.nextInt(stages));
            boolean cancel = random.nextInt(4) == 0;
            Thread canceller = new Thread(() -> {
                if (cancel) {
                    cancelled.cancel(false);
                }
            });
            canceller.start();
            if (random.nextInt(4) == 0) {
                futures.get(random.nextInt(stages)).thenRun(() -> { });
            }
            CallerFuture.Wakes.collect(() -> {
                for (int i = 0; i < stages; i++) {
                    futures.get(i).complete(i);
                }
            });
            answered.countDown();
            canceller.join();
            for (Thread waiter : waiters) {
                waiter.join(10_000);
                assertThat(waiter.isAlive()).as("round " + round + ": " + waiter.getName() + " returned").isFalse();
            }
            assertThat(failure.get()).isNull();
        }
    }

    private static Object outcome(Supplier<String> wait) {
        try {
            return wait.get();
        } catch (Throwable e) {
            return e.toString();
        }
    }

    /** Starts a thread named {@code name} that runs {@code body}, and returns it once it waits (parked). */
    static Thread startWaiting(String name, Runnable body) throws InterruptedException {
        Thread thread = new Thread(body, name);
        thread.start();
        awaitWaiting(thread);
        return thread;
    }

    /** Returns once {@code thread} waits (parked), or fails after 10 s. */
    static void awaitWaiting(Thread thread) throws InterruptedException {
        awaitUntil(thread.getName() + " waiting",
                () -> thread.getState() == Thread.State.WAITING || thread.getState() == Thread.State.TIMED_WAITING);
    }
}
