package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.requireFailure;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MapStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

/** Rotation races (rules 1 and 10): objects re-created under the old key, corrupt old objects. */
class RotationEdgeCaseTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash.core.SessionStorage");

    static final String A = SecretRotationTests.A;
    static final String B = SecretRotationTests.B;
    static final ViewDefinition VIEW = SecretRotationTests.VIEW;

    final MapStorageBackend store = new MapStorageBackend();
    @RegisterExtension
    final OpenEngines engines = new OpenEngines();
    final String sid = SessionIds.newSid();

    /**
     * Two step-1 instances (P, Q) and one step-2 instance (M). P read B (absent) before M moved the
     * session; Q re-creates A after the move (it then notices B and moves its own diffs there), but in
     * that window P reads Q's live object under A and acknowledges a write on top of it, with no check
     * of B (its location was found, not created). P's acknowledged write is only under A: lost.
     */
    @Test
    void aStepOneWriteOnAnObjectReCreatedAfterTheMoveLandsUnderTheNewKey() throws Exception {
        HeldBackend heldP = new HeldBackend(store);
        HeldBackend heldQ = new HeldBackend(store);
        StashAdapter p = engines.open(heldP, SecretRotationSteps.stepOne());
        StashAdapter q = engines.open(heldQ, SecretRotationSteps.stepOne());
        StashAdapter m = engines.open(store, SecretRotationSteps.stepTwo());

        heldP.onlyKey(key(A));
        heldP.hold(Operation.GET);
        CompletionStage<Void> writeP = p.stash(sid, VIEW, Map.of("k0", 1)); // GET B: absent
        HeldBackend.Held pReadsA = heldP.next();

        heldQ.hold(Operation.GET);
        CompletionStage<Void> writeQ = q.stash(sid, VIEW, Map.of("k1", 1));
        heldQ.next().release().run(); // Q: GET B, absent
        HeldBackend.Held qReadsA = heldQ.next();

        await(m.stash(sid, VIEW, Map.of("k2", 2))); // lock A, create B, unlock A
        assertThat(store.keys()).containsExactly(key(B));

        qReadsA.release().run(); // Q: A absent -> creates A, then checks B...
        HeldBackend.Held qChecksB = heldQ.next();
        assertThat(store.keys()).containsExactlyInAnyOrder(key(A), key(B));

        heldP.stopHolding();
        pReadsA.release().run(); // P: finds Q's live object under A and writes on it
        await(writeP); // acknowledged

        heldQ.stopHolding();
        qChecksB.release().run();
        await(writeQ);

        assertThat(await(engines.open(store, SecretRotationSteps.stepTwo())
                .recover(sid, VIEW, MountKind.REJOIN)).values())
                .as("every acknowledged write (k0 by P, k1 by Q, k2 by M); storage keys %s", store.keys())
                .containsOnly(Map.entry("k0", 1), Map.entry("k1", 1), Map.entry("k2", 2));
    }

    /**
     * The same hole with only two instances, through a late answer: a step-1 instance's create of A
     * times out (the caller is told it failed) and lands late, after a step-2 instance moved the session
     * to B; the step-1 instance's next stash (which read B absent just before the move) finds that live
     * object under A and is acknowledged there.
     */
    @Test
    void aLateStepOneCreateDoesNotCaptureTheNextStepOneWrite() throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter p = engines.open(held, SecretRotationSteps.stepOne().operationTimeout(Duration.ofMillis(1500)));
        StashAdapter m = engines.open(store, SecretRotationSteps.stepTwo());

        held.onlyKey(key(A));
        held.hold(Operation.GET, Operation.PUT);
        CompletionStage<Void> first = p.stash(sid, VIEW, Map.of("k0", 1)); // GET B absent
        held.next().release().run(); // GET A: absent
        HeldBackend.Held lateCreate = held.next(); // PUT A If-None-Match *: never answered in time
        requireFailure(first); // told: not acknowledged

        CompletionStage<Void> second = p.stash(sid, VIEW, Map.of("k1", 1)); // GET B: absent
        HeldBackend.Held readA = held.next();
        await(m.stash(sid, VIEW, Map.of("k2", 2))); // moves: lock A, create B, unlock A
        lateCreate.release().run(); // the lost create lands late: A exists again
        held.stopHolding();
        readA.release().run(); // P finds a live A, writes on it, acknowledges
        await(second);

        assertThat(await(engines.open(store, SecretRotationSteps.stepTwo())
                .recover(sid, VIEW, MountKind.REJOIN)).values())
                .as("the acknowledged k1 (and M's k2); storage keys %s", store.keys())
                .containsEntry("k1", 1).containsEntry("k2", 2);
    }

    /**
     * A corrupt object under the previous key: a step-2 instance ignores it when reading, then tries to
     * lock that key with If-None-Match: * (it thinks nothing is there), which can never succeed, so no
     * stash of the session is ever acknowledged (README: a corrupt document is replaced by the next write).
     */
    @Test
    void aCorruptObjectUnderThePreviousKeyIsReplacedInStepTwo() throws Exception {
        logs.expect(Level.ERROR, "corrupt session document: not JSON");
        store.write(key(A), "not json".getBytes(StandardCharsets.UTF_8));
        StashAdapter m = engines.open(store, SecretRotationSteps.stepTwo().maxWriteAttempts(3)
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(2)));
        await(m.stash(sid, VIEW, Map.of("k0", 1)));
        assertThat(await(m.recover(sid, VIEW, MountKind.REJOIN)).values()).containsEntry("k0", 1);
    }

    private String key(String secret) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "durable-stash/" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac.doFinal(sid.getBytes(StandardCharsets.UTF_8)));
    }
}
