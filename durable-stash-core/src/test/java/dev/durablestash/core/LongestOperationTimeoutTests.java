package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.durablestash.core.MapStorageBackend.Operation;

/**
 * {@link StashSettings#operationTimeout()} takes any positive duration, and a very long one is how an
 * application says "no deadline". One longer than a long of nanoseconds holds (about 292 years) threw
 * {@link ArithmeticException} from the deadline timer after the operation had been submitted: the
 * caller got that exception instead of its answer.
 */
class LongestOperationTimeoutTests {

    static final ViewDefinition COUNTER = ViewDefinition.builder("counter").key("count", int.class).build();

    @Test
    void aTimeoutOfCenturiesIsTakenAsSeventyThreeYears() {
        assertThat(Engines.settings().operationTimeout(Duration.ofDays(365L * 1_000)).build().operationTimeout())
                .isEqualTo(Duration.ofNanos(1L << 61)).isEqualTo(StashSettings.MAX_OPERATION_TIMEOUT);
        assertThat(Engines.settings().operationTimeout(Duration.ofSeconds(Long.MAX_VALUE)).build().operationTimeout())
                .isEqualTo(StashSettings.MAX_OPERATION_TIMEOUT);
        assertThat(Engines.settings().operationTimeout(Duration.ofDays(365L * 50)).build().operationTimeout())
                .isEqualTo(Duration.ofDays(365L * 50));
    }

    @ParameterizedTest
    @ValueSource(longs = {292 * 366, 365L * 1_000, Long.MAX_VALUE / 86_400})
    void aStashUnderAnOperationTimeoutOfCenturiesWaitsForItsStorage(long days) throws Exception {
        HeldBackend backend = new HeldBackend(new MapStorageBackend());
        try (StashAdapter adapter = new StashAdapter(backend,
                Engines.settings().operationTimeout(Duration.ofDays(days)).build())) {
            backend.hold(Operation.GET, Operation.PUT);
            CompletableFuture<Void> stash = adapter.stash(SessionIds.newSid(), COUNTER, Map.of("count", 1))
                    .toCompletableFuture();
            HeldBackend.Held get = backend.next();
            Thread.sleep(300);
            assertThat(stash).as("the stash, 0.3 s into a timeout of %d days", days).isNotDone();
            backend.stopHolding();
            get.release().run();
            stash.get(10, TimeUnit.SECONDS);
            assertThat(stash).isCompleted();
        }
    }
}
