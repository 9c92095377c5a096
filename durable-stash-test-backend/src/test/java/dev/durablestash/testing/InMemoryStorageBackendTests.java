package dev.durablestash.testing;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.requireFailure;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.Test;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageException;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

/** The fault switches, counters and inspection methods of {@link InMemoryStorageBackend}. */
class InMemoryStorageBackendTests {

    private static final Duration LONG_LATENCY = Duration.ofSeconds(10);

    private final InMemoryStorageBackend backend = new InMemoryStorageBackend();

    private String create(String key, String body) throws Exception {
        return ((PutResult.Written) await(backend.put(key, utf8(body), Precondition.absent()))).etag();
    }

    @Test
    void failNextMakesTheNextPutsFailWithoutApplyingThem() throws Exception {
        backend.failNext(Operation.PUT, 2);

        assertThat(requireFailure(backend.put("k", utf8("first"), Precondition.absent())))
                .isInstanceOf(StorageException.class)
                .hasMessage("In-memory PUT of key \"k\" failed: injected failure, not applied");
        assertThat(backend.read("k")).isEmpty();
        assertThat(requireFailure(backend.put("k", utf8("second"), Precondition.absent())))
                .isInstanceOf(StorageException.class);
        assertThat(backend.read("k")).isEmpty();

        assertThat(await(backend.put("k", utf8("third"), Precondition.absent())))
                .isInstanceOf(PutResult.Written.class);
        assertThat(backend.read("k")).hasValueSatisfying(body -> assertThat(body).isEqualTo(utf8("third")));
        assertThat(backend.count(Operation.PUT)).isEqualTo(3);
    }

    @Test
    void failNextMakesGetsAndDeletesFailWithoutApplyingThem() throws Exception {
        create("k", "v");
        backend.failNext(Operation.GET, 1);
        backend.failNext(Operation.DELETE, 1);

        assertThat(requireFailure(backend.get("k", null))).isInstanceOf(StorageException.class);
        assertThat(requireFailure(backend.delete("k", null))).isInstanceOf(StorageException.class);

        assertThat(backend.read("k")).isPresent();
        assertThat(await(backend.get("k", null))).isInstanceOf(GetResult.Found.class);
        assertThat(await(backend.delete("k", null))).isTrue();
        assertThat(backend.read("k")).isEmpty();
    }

    @Test
    void aLostPutResponseIsAppliedButReportedAsFailed() throws Exception {
        backend.loseNextResponses(Operation.PUT, 1);

        assertThat(requireFailure(backend.put("k", utf8("applied"), Precondition.absent())))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("lost response")
                .hasMessageContaining("\"k\"");

        assertThat(backend.read("k")).hasValueSatisfying(body -> assertThat(body).isEqualTo(utf8("applied")));
        // The caller's retry of its create now meets its own write.
        assertThat(await(backend.put("k", utf8("applied"), Precondition.absent())))
                .isInstanceOf(PutResult.PreconditionFailed.class);
        GetResult.Found found = (GetResult.Found) await(backend.get("k", null));
        assertThat(found.etag()).isEqualTo(backend.etag("k").orElseThrow());
    }

    @Test
    void aLostDeleteResponseIsAppliedButReportedAsFailed() throws Exception {
        create("k", "v");
        backend.loseNextResponses(Operation.DELETE, 1);

        assertThat(requireFailure(backend.delete("k", null))).isInstanceOf(StorageException.class);

        assertThat(backend.read("k")).isEmpty();
        assertThat(await(backend.delete("k", null))).isTrue();
    }

    @Test
    void aLostGetResponseFails() throws Exception {
        create("k", "v");
        backend.loseNextResponses(Operation.GET, 1);

        assertThat(requireFailure(backend.get("k", null))).isInstanceOf(StorageException.class);
        assertThat(await(backend.get("k", null))).isInstanceOf(GetResult.Found.class);
    }

    @Test
    void latencyDelaysTheAnswerWithoutBlockingTheCaller() throws Exception {
        backend.setLatency(Operation.PUT, LONG_LATENCY);

        CompletionStage<PutResult> put = backend.put("k", utf8("v"), Precondition.absent());

        assertThat(put.toCompletableFuture().isDone()).isFalse();
        // The write took effect when called; only its answer is late.
        assertThat(backend.read("k")).isPresent();
        assertThat(backend.get("k", null).toCompletableFuture().isDone()).isTrue();
    }

    @Test
    void latencyForAllOperationsDelaysGetsPutsAndDeletes() throws Exception {
        create("k", "v");
        backend.setLatency(LONG_LATENCY);

        assertThat(backend.get("k", null).toCompletableFuture().isDone()).isFalse();
        assertThat(backend.put("j", utf8("v"), Precondition.absent()).toCompletableFuture().isDone()).isFalse();
        assertThat(backend.delete("j", null).toCompletableFuture().isDone()).isFalse();
    }

    @Test
    void delayedAnswersCarryTheRightOutcome() throws Exception {
        backend.setLatency(Duration.ofMillis(20));
        create("k", "v");

        GetResult.Found found = (GetResult.Found) await(backend.get("k", null));
        assertThat(found.body()).isEqualTo(utf8("v"));
        assertThat(await(backend.get("k", found.etag()))).isInstanceOf(GetResult.NotModified.class);
        assertThat(await(backend.put("k", utf8("w"), Precondition.absent())))
                .isInstanceOf(PutResult.PreconditionFailed.class);

        backend.failNext(Operation.DELETE, 1);
        assertThat(requireFailure(backend.delete("k", null))).isInstanceOf(StorageException.class);
        assertThat(backend.read("k")).isPresent();
    }

    @Test
    void aFailureRateFailsAboutThatFractionOfCallsAndAppliesNone() throws Exception {
        InMemoryStorageBackend seeded = new InMemoryStorageBackend(1234);
        seeded.setFailureRate(Operation.PUT, 0.2);

        int failures = 0;
        for (int i = 0; i < 1000; i++) {
            if (seeded.put("k" + i, utf8("v"), Precondition.absent()).toCompletableFuture().isCompletedExceptionally()) {
                failures++;
            }
        }

        assertThat(failures).isBetween(150, 250);
        assertThat(seeded.size()).isEqualTo(1000 - failures);
        assertThat(seeded.count(Operation.PUT)).isEqualTo(1000);
    }

    @Test
    void aLostResponseRateFailsAboutThatFractionOfCallsAndAppliesAll() throws Exception {
        InMemoryStorageBackend seeded = new InMemoryStorageBackend(99);
        seeded.setLostResponseRate(Operation.PUT, 0.3);

        int failures = 0;
        for (int i = 0; i < 1000; i++) {
            if (seeded.put("k" + i, utf8("v"), Precondition.absent()).toCompletableFuture().isCompletedExceptionally()) {
                failures++;
            }
        }

        assertThat(failures).isBetween(240, 360);
        assertThat(seeded.size()).isEqualTo(1000);
    }

    @Test
    void theSameSeedGivesTheSameFaultsInASingleThread() {
        assertThat(faultPattern(7)).isEqualTo(faultPattern(7)).contains(true, false);
    }

    private static List<Boolean> faultPattern(long seed) {
        InMemoryStorageBackend seeded = new InMemoryStorageBackend(seed);
        seeded.setFailureRate(Operation.GET, 0.5);
        List<Boolean> failed = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            failed.add(seeded.get("k", null).toCompletableFuture().isCompletedExceptionally());
        }
        return failed;
    }

    @Test
    void invalidSwitchValuesAreRejected() {
        assertThatThrownBy(() -> backend.setFailureRate(Operation.PUT, -0.1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-0.1");
        assertThatThrownBy(() -> backend.setFailureRate(Operation.PUT, 1.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backend.setLostResponseRate(Operation.PUT, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backend.failNext(Operation.GET, -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backend.loseNextResponses(Operation.GET, -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backend.setLatency(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clearFaultsTurnsEverySwitchOff() throws Exception {
        backend.setLatency(LONG_LATENCY);
        for (Operation operation : Operation.values()) {
            backend.failNext(operation, 5);
            backend.setFailureRate(operation, 1);
            backend.loseNextResponses(operation, 5);
            backend.setLostResponseRate(operation, 1);
        }

        backend.clearFaults();

        CompletableFuture<PutResult> put = backend.put("k", utf8("v"), Precondition.absent()).toCompletableFuture();
        CompletableFuture<GetResult> get = backend.get("k", null).toCompletableFuture();
        CompletableFuture<Boolean> delete = backend.delete("k", null).toCompletableFuture();
        assertThat(put).isCompletedWithValueMatching(result -> result instanceof PutResult.Written);
        assertThat(get).isCompletedWithValueMatching(result -> result instanceof GetResult.Found);
        assertThat(delete).isCompletedWithValue(true);
    }

    @Test
    void countersCountCallsPreconditionFailuresAndNotModifiedAnswers() throws Exception {
        String etag = create("k", "v");
        await(backend.put("k", utf8("w"), Precondition.absent()));
        await(backend.put("k", utf8("w"), Precondition.matching("stale")));
        await(backend.delete("k", "stale"));
        await(backend.get("k", etag));
        await(backend.get("k", "stale"));
        await(backend.get("absent", null));
        backend.failNext(Operation.GET, 1);
        requireFailure(backend.get("k", null));

        assertThat(backend.count(Operation.PUT)).isEqualTo(3);
        assertThat(backend.count(Operation.DELETE)).isEqualTo(1);
        assertThat(backend.count(Operation.GET)).isEqualTo(4);
        assertThat(backend.preconditionFailures()).isEqualTo(3);
        assertThat(backend.notModified()).isEqualTo(1);

        backend.resetCounters();

        assertThat(backend.count(Operation.PUT)).isZero();
        assertThat(backend.count(Operation.GET)).isZero();
        assertThat(backend.count(Operation.DELETE)).isZero();
        assertThat(backend.preconditionFailures()).isZero();
        assertThat(backend.notModified()).isZero();
        assertThat(backend.read("k")).isPresent();
    }

    @Test
    void everyWriteGetsANewETagEvenForIdenticalBytes() throws Exception {
        String first = create("k", "same");
        String second = ((PutResult.Written) await(
                backend.put("k", utf8("same"), Precondition.matching(first)))).etag();

        assertThat(second).isNotEqualTo(first);
        assertThat(await(backend.put("k", utf8("same"), Precondition.matching(first))))
                .isInstanceOf(PutResult.PreconditionFailed.class);
    }

    @Test
    void inspectionMethodsSeeAndPlantContentWithoutCountingOrFaults() throws Exception {
        backend.failNext(Operation.GET, 1);
        backend.setLatency(LONG_LATENCY);

        byte[] corrupt = utf8("{not json");
        backend.write("durable-stash/planted", corrupt);
        corrupt[0] = 'X';
        byte[] read = backend.read("durable-stash/planted").orElseThrow();
        assertThat(read).isEqualTo(utf8("{not json"));
        read[0] = 'Y';
        assertThat(backend.read("durable-stash/planted").orElseThrow()).isEqualTo(utf8("{not json"));
        assertThat(backend.etag("durable-stash/planted")).isPresent();
        assertThat(backend.keys()).containsExactly("durable-stash/planted");
        assertThat(backend.size()).isEqualTo(1);
        assertThat(backend.count(Operation.GET)).isZero();
        assertThat(backend.count(Operation.PUT)).isZero();

        backend.clearFaults();
        GetResult.Found found = (GetResult.Found) await(backend.get("durable-stash/planted", null));
        assertThat(found.body()).isEqualTo(utf8("{not json"));

        backend.clear();
        assertThat(backend.keys()).isEmpty();
        assertThat(backend.size()).isZero();
        assertThat(backend.read("durable-stash/planted")).isEmpty();
    }

    @Test
    void invalidKeysAreRejectedAtOnce() {
        assertThatThrownBy(() -> backend.get("", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backend.put("a\u0000b", utf8("x"), Precondition.absent()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backend.delete("x".repeat(1025), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backend.write("caf\u00e9", utf8("x")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(backend.count(Operation.GET)).isZero();
    }

    @Test
    void describeSaysInMemory() {
        assertThat(backend.describe()).isEqualTo("in-memory");
    }

    @Test
    void itIsEphemeralSoNoStableSecretIsNeeded() {
        assertThat(backend.isEphemeral()).isTrue();
    }
}
