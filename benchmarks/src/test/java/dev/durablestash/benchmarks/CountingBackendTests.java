package dev.durablestash.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.durablestash.storage.Precondition;
import dev.durablestash.testing.InMemoryStorageBackend;

/** The PUT times the benchmarks note: a pause in the load is not counted as a gap between PUTs. */
class CountingBackendTests {

    private static final long PAUSE_MILLIS = 50;

    private final CountingBackend backend = new CountingBackend(new InMemoryStorageBackend());

    @Test
    void aGapFromAnAnswerBeforeTheTimingStartedIsNotRecorded() throws InterruptedException {
        put("a");
        Thread.sleep(PAUSE_MILLIS);
        CountingBackend.PutTimes times = backend.timePuts();
        put("b");
        put("c");

        assertThat(times.sinceAnswerBeforeP50Millis()).isLessThan(PAUSE_MILLIS);
        assertThat(times.gapsRecorded()).isEqualTo(1); // c after b only
        assertThat(times.putsAnswered()).isEqualTo(2);
    }

    @Test
    void timingARecordAgainAfterAPauseLeavesThePauseOut() throws InterruptedException {
        CountingBackend.PutTimes times = backend.timePuts();
        put("a");
        put("b");
        backend.stopTimingPuts();
        Thread.sleep(PAUSE_MILLIS);
        assertThat(backend.timePuts(times)).isSameAs(times);
        put("c");
        put("d");

        assertThat(times.gapsRecorded()).isEqualTo(2); // b after a, d after c
        assertThat(times.putsAnswered()).isEqualTo(4);
        assertThat(times.sinceAnswerBeforeP50Millis()).isLessThan(PAUSE_MILLIS);
    }

    @Test
    void putsWhileTimingIsStoppedAreNotRecorded() {
        CountingBackend.PutTimes times = backend.timePuts();
        put("a");
        backend.stopTimingPuts();
        put("b");

        assertThat(times.putsAnswered()).isEqualTo(1);
        assertThat(times.gapsRecorded()).isZero();
    }

    private void put(String key) {
        backend.put(key, key.getBytes(StandardCharsets.UTF_8), Precondition.absent()).toCompletableFuture().join();
    }
}
