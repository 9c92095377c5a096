package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.requireFailure;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MapStorageBackend.Operation;
import dev.durablestash.storage.StorageBackend;

/**
 * Contract rule 10: a secret rotation while old and new instances run side by side loses no
 * acknowledged write. The procedure (README): step 1 deploys {@code nextSecret = B} beside the
 * current secret A; step 2 deploys {@code secret = B, previousSecrets = [A]}; step 3, a TTL later,
 * drops A.
 */
class SecretRotationTests {

    static final String A = SecretRotationSteps.OLD;
    static final String B = SecretRotationSteps.NEW;
    static final ViewDefinition VIEW = ViewDefinition.builder("writers")
            .key("x", Integer.class)
            .key("k0", Integer.class).key("k1", Integer.class).key("k2", Integer.class).key("k3", Integer.class)
            .key("k4", Integer.class).key("k5", Integer.class).key("k6", Integer.class).key("k7", Integer.class)
            .build();

    final MapStorageBackend store = new MapStorageBackend();
    @RegisterExtension
    final OpenEngines engines = new OpenEngines();
    final String sid = SessionIds.newSid();

    /** The reproduction: an instance with the old secret acknowledged writes nobody read again. */
    @Test
    void aFirstStepInstanceFollowsStateThatASecondStepInstanceMoved() throws Exception {
        await(engines.open(store, SecretRotationSteps.oldOnly()).stash(sid, VIEW, Map.of("x", 1)));
        StashAdapter old = engines.open(store, SecretRotationSteps.stepOne());
        assertThat(await(old.recover(sid, VIEW, MountKind.FRESH)).values()).containsEntry("x", 1); // warm on key A

        StashAdapter upgraded = engines.open(store, SecretRotationSteps.stepTwo());
        assertThat(await(upgraded.recover(sid, VIEW, MountKind.FRESH)).values()).containsEntry("x", 1);
        await(upgraded.stash(sid, VIEW, Map.of("k1", 1))); // behind the move
        assertThat(store.keys()).containsExactly(key(B));

        await(old.stash(sid, VIEW, Map.of("x", 2))); // its cached version of key A is gone: it follows to B
        assertThat(await(upgraded.recover(sid, VIEW, MountKind.REJOIN)).values()).containsEntry("x", 2).containsEntry("k1", 1);
        assertThat(store.keys()).containsExactly(key(B));
        assertThat(await(engines.open(store, StashSettings.builder().secret(B)).recover(sid, VIEW, MountKind.REJOIN)).values())
                .containsEntry("x", 2).containsEntry("k1", 1);
    }

    /**
     * A first-step and a second-step instance on one store, 4 writers each (each owns a key),
     * interleaved with the move by random store latency, with and without state from before the
     * rotation. Every acknowledged write is present at the end, and only the new key exists.
     */
    @Test
    void writersOnBothStepsLoseNothingWhileTheStateMoves() throws Exception {
        ScheduledExecutorService delays = Executors.newSingleThreadScheduledExecutor();
        ExecutorService writers = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 12; round++) {
                long seed = 31L * round + 5;
                MapStorageBackend shared = new MapStorageBackend();
                StorageBackend slow = RandomlySlowBackend.delayingCalls(shared, delays, new Random(seed));
                String session = SessionIds.newSid();
                boolean existing = round % 2 == 0;
                if (existing) {
                    try (StashAdapter p0 = new StashAdapter(shared, SecretRotationSteps.oldOnly().build())) {
                        await(p0.stash(session, VIEW, Map.of("x", 42)));
                    }
                }
                StashAdapter[] steps = {
                    engines.open(slow, SecretRotationSteps.stepOne().maxWriteAttempts(200)),
                    engines.open(slow, SecretRotationSteps.stepTwo().maxWriteAttempts(200)) };
                Map<String, Integer> acknowledged = new ConcurrentHashMap<>();
                List<Future<?>> running = new ArrayList<>();
                for (int w = 0; w < 8; w++) {
                    StashAdapter engine = steps[w % 2];
                    String key = "k" + w;
                    running.add(writers.submit(() -> {
                        for (int n = 1; n <= 25; n++) {
                            CompletionStage<Void> stash = engine.stash(session, VIEW, Map.of(key, n));
                            await(stash);
                            acknowledged.put(key, n);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : running) {
                    f.get(60, TimeUnit.SECONDS);
                }
                Map<String, Integer> expected = new HashMap<>(acknowledged);
                assertThat(expected).hasSize(8);
                if (existing) {
                    expected.put("x", 42);
                }
                for (StashAdapter engine : steps) {
                    assertThat(await(engine.recover(session, VIEW, MountKind.REJOIN)).values())
                            .as("round %d (seed %d)", round, seed).isEqualTo(expected);
                }
                assertThat(shared.keys()).as("round %d (seed %d)", round, seed).containsExactly(key(B, session));
            }
        } finally {
            writers.shutdownNow();
            delays.shutdownNow();
        }
    }

    /**
     * A first-step instance found neither key, but before it created the session under A a
     * second-step instance created it under B (and removed its lock on A): the first-step instance
     * notices right after its create, and its write lands under B before it is acknowledged.
     */
    @Test
    void aFirstStepCreateThatRacesASecondStepCreateEndsUpUnderTheNewKey() throws Exception {
        HeldBackend held = new HeldBackend(store);
        StashAdapter old = engines.open(held, SecretRotationSteps.stepOne());
        StashAdapter upgraded = engines.open(store, SecretRotationSteps.stepTwo());
        held.onlyKey(key(A));
        held.hold(Operation.GET);

        CompletionStage<Void> oldWrite = old.stash(sid, VIEW, Map.of("k1", 1)); // read B: absent; reading A...
        HeldBackend.Held readOfA = held.next();
        await(upgraded.stash(sid, VIEW, Map.of("k2", 2))); // locks A, creates B, unlocks A
        assertThat(store.keys()).containsExactly(key(B));
        held.stopHolding();
        readOfA.release().run(); // ...absent: the old instance creates A, then finds B

        await(oldWrite);
        assertThat(await(upgraded.recover(sid, VIEW, MountKind.REJOIN)).values())
                .containsOnly(Map.entry("k1", 1), Map.entry("k2", 2));
        assertThat(store.keys()).containsExactly(key(B));
    }

    /** The move stopped after the old key was locked: whoever comes next finishes it. */
    @Test
    void aMoveInterruptedAfterTheLockIsFinishedByTheNextInstance() throws Exception {
        await(engines.open(store, SecretRotationSteps.oldOnly()).stash(sid, VIEW, Map.of("x", 7)));
        HeldBackend held = new HeldBackend(store);
        // Its lock must be released within the lock's own timeout: 2 s leaves a slow machine room for that.
        StashAdapter crashing = engines.open(held, SecretRotationSteps.stepTwo()
                .operationTimeout(Duration.ofSeconds(2)));
        held.hold(Operation.PUT);
        CompletionStage<Void> interrupted = crashing.stash(sid, VIEW, Map.of("k0", 1));
        held.next().release().run(); // the lock: key A now holds a move marker
        HeldBackend.Held create = held.next(); // creating key B: never answered (the instance died)
        assertThat(requireFailure(interrupted)).isInstanceOf(StashWriteException.class);
        assertThat(store.keys()).containsExactly(key(A));

        StashAdapter old = engines.open(store, SecretRotationSteps.stepOne());
        assertThat(await(old.recover(sid, VIEW, MountKind.FRESH)).values()).containsOnly(Map.entry("x", 7));
        await(old.stash(sid, VIEW, Map.of("k1", 1)));
        assertThat(store.keys()).containsExactly(key(B));

        create.release().run(); // the dead instance's create arrives late: B exists, it changes nothing
        assertThat(await(engines.open(store, SecretRotationSteps.stepTwo())
                .recover(sid, VIEW, MountKind.REJOIN)).values())
                .containsOnly(Map.entry("x", 7), Map.entry("k1", 1));
    }

    private String key(String secret) throws Exception {
        return key(secret, sid);
    }

    private static String key(String secret, String session) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "durable-stash/" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac.doFinal(session.getBytes(StandardCharsets.UTF_8)));
    }
}
