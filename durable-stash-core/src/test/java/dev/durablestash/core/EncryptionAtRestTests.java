package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * At-rest encryption: documents are stored as AES-GCM envelopes bound to their storage key; a
 * tampered, truncated, foreign or (when refused) plain document is kept aside and reported, never
 * served and never silently replaced; plain stores migrate; secret rotation keeps working.
 */
class EncryptionAtRestTests {

    static final String A = "at-rest-secret-A-0123456789abcdefghijkl";
    static final String B = "at-rest-secret-B-0123456789abcdefghijkl";
    static final ViewDefinition VIEW = ViewDefinition.builder("notes").key("title", String.class).key("n", Integer.class)
            .build();

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash.core.SessionStorage", "dev.durablestash.core.SessionActor");
    @RegisterExtension
    final OpenEngines engines = new OpenEngines();

    final MapStorageBackend store = new MapStorageBackend();
    final String sid = SessionIds.newSid();

    static StashSettings.Builder encrypted(String secret) {
        return StashSettings.builder().secret(secret).encryptAtRest(true);
    }

    @Test
    void theStoredDocumentIsAnEnvelopeThatRevealsNoStateAndRecoversAsBefore() throws Exception {
        StashAdapter engine = engines.open(store, encrypted(A));
        await(engine.stash(sid, VIEW, Map.of("title", "the quarterly numbers", "n", 7)));

        byte[] stored = store.read(key(A, sid)).orElseThrow();
        assertThat(stored[0]).isEqualTo((byte) 0xD5);
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("quarterly").doesNotContain("notes")
                .doesNotContain("expiresAt");
        Recovery recovery = await(engines.open(store, encrypted(A)).recover(sid, VIEW, MountKind.FRESH));
        assertThat(recovery.values()).containsOnly(Map.entry("title", "the quarterly numbers"), Map.entry("n", 7));
    }

    @Test
    void encryptionWorksOnTheFilesystemBackend(@TempDir Path dir) throws Exception {
        try (FileSystemStorageBackend files = new FileSystemStorageBackend(dir)) {
            await(engines.open(files, encrypted(A)).stash(sid, VIEW, Map.of("n", 1)));
            GetResult found = await(files.get(key(A, sid), null));
            assertThat(((GetResult.Found) found).body()[0]).isEqualTo((byte) 0xD5);
            assertThat(await(engines.open(files, encrypted(A)).recover(sid, VIEW, MountKind.FRESH)).values())
                    .containsEntry("n", 1);
        }
    }

    @Test
    void aTamperedDocumentIsKeptAsideReportedAsAnErrorAndOnlyThenReplaced() throws Exception {
        logs.expect(Level.ERROR, "authentication failed");
        await(engines.open(store, encrypted(A)).stash(sid, VIEW, Map.of("title", "t")));
        String key = key(A, sid);
        byte[] tampered = store.read(key).orElseThrow();
        tampered[tampered.length - 20] ^= 1;
        store.write(key, tampered);

        StashAdapter engine = engines.open(store, encrypted(A));
        Recovery first = await(engine.recover(sid, VIEW, MountKind.FRESH));
        assertThat(first.status()).isEqualTo(RecoveryStatus.ERROR);
        assertThat(first.error().orElseThrow()).hasMessageContaining("authentication failed");
        String aside = key + ".corrupt-" + hash(tampered);
        assertThat(store.read(aside)).as("kept aside byte for byte").contains(tampered);
        assertThat(store.read(key)).as("not replaced by the failed recovery").contains(tampered);
        assertThat(engine.statistics().quarantined()).isEqualTo(1);

        // Kept aside already: the session starts empty and the next write replaces the object.
        Recovery second = await(engine.recover(sid, VIEW, MountKind.FRESH));
        assertThat(second.status()).isEqualTo(RecoveryStatus.NOT_FOUND);
        await(engine.stash(sid, VIEW, Map.of("title", "fresh")));
        assertThat(await(engines.open(store, encrypted(A)).recover(sid, VIEW, MountKind.FRESH)).values())
                .containsOnly(Map.entry("title", "fresh"));
        assertThat(store.read(aside)).contains(tampered);
        assertThat(engine.statistics().quarantined()).isEqualTo(1);
    }

    @Test
    void aCutShortEncryptedDocumentIsReportedAndTheIntactOneIsReadWhenItIsBack() throws Exception {
        logs.expect(Level.ERROR, "cut short");
        await(engines.open(store, encrypted(A)).stash(sid, VIEW, Map.of("title", "keep me")));
        String key = key(A, sid);
        byte[] good = store.read(key).orElseThrow();
        // Cut short in storage, so that both reads agree (a one-off torn answer is read again: see
        // TransientBadReadTests).
        store.write(key, java.util.Arrays.copyOf(good, 30));

        StashAdapter engine = engines.open(store, encrypted(A));
        assertThat(await(engine.recover(sid, VIEW, MountKind.FRESH)).status()).isEqualTo(RecoveryStatus.ERROR);
        store.write(key, good); // the store answers correctly again
        assertThat(await(engine.recover(sid, VIEW, MountKind.FRESH)).values()).containsOnly(Map.entry("title", "keep me"));
    }

    @Test
    void aDocumentCopiedUnderAnotherSessionsKeyIsNotServedThere() throws Exception {
        logs.expect(Level.ERROR, "copied from another storage key");
        String victim = SessionIds.newSid();
        StashAdapter engine = engines.open(store, encrypted(A));
        await(engine.stash(sid, VIEW, Map.of("title", "attacker's state")));
        await(engine.stash(victim, VIEW, Map.of("title", "victim's state")));
        store.write(key(A, victim), store.read(key(A, sid)).orElseThrow());

        Recovery recovery = await(engines.open(store, encrypted(A)).recover(victim, VIEW, MountKind.FRESH));
        assertThat(recovery.status()).isEqualTo(RecoveryStatus.ERROR);
        assertThat(recovery.values()).isEmpty();
    }

    @Test
    void aPlainDocumentIsRefusedWhileEncryptingSoNoOneCanPlantState() throws Exception {
        logs.expect(Level.ERROR, "a plain document where only encrypted ones are accepted");
        await(engines.open(store, StashSettings.builder().secret(A)).stash(sid, VIEW, Map.of("title", "planted")));
        byte[] plain = store.read(key(A, sid)).orElseThrow();

        StashAdapter engine = engines.open(store, encrypted(A));
        Recovery recovery = await(engine.recover(sid, VIEW, MountKind.FRESH));
        assertThat(recovery.status()).isEqualTo(RecoveryStatus.ERROR);
        assertThat(recovery.values()).isEmpty();
        assertThat(store.read(key(A, sid) + ".corrupt-" + hash(plain))).contains(plain);
    }

    @Test
    void aPlainStoreMigratesWhenPlainDocumentsAreAccepted() throws Exception {
        await(engines.open(store, StashSettings.builder().secret(A)).stash(sid, VIEW, Map.of("title", "old", "n", 1)));
        assertThat(store.read(key(A, sid)).orElseThrow()[0]).isEqualTo((byte) '{');

        StashAdapter migrating = engines.open(store, encrypted(A).acceptPlainDocuments(true));
        assertThat(await(migrating.recover(sid, VIEW, MountKind.FRESH)).values()).containsEntry("title", "old");
        await(migrating.stash(sid, VIEW, Map.of("n", 2)));
        assertThat(store.read(key(A, sid)).orElseThrow()[0]).as("rewritten encrypted").isEqualTo((byte) 0xD5);
        assertThat(await(engines.open(store, encrypted(A)).recover(sid, VIEW, MountKind.FRESH)).values())
                .containsOnly(Map.entry("title", "old"), Map.entry("n", 2));
    }

    @Test
    void switchingEncryptionOffAgainReadsEncryptedDocumentsAndWritesPlainOnes() throws Exception {
        await(engines.open(store, encrypted(A)).stash(sid, VIEW, Map.of("n", 1)));
        StashAdapter plain = engines.open(store, StashSettings.builder().secret(A));
        assertThat(await(plain.recover(sid, VIEW, MountKind.FRESH)).values()).containsEntry("n", 1);
        await(plain.stash(sid, VIEW, Map.of("n", 2)));
        assertThat(store.read(key(A, sid)).orElseThrow()[0]).isEqualTo((byte) '{');
    }

    @Test
    void aSecretRotationMovesEncryptedStateAndReEncryptsItUnderTheNewSecret() throws Exception {
        await(engines.open(store, encrypted(A)).stash(sid, VIEW, Map.of("title", "before")));

        StashAdapter step1 = engines.open(store, encrypted(A).nextSecret(B));
        assertThat(await(step1.recover(sid, VIEW, MountKind.FRESH)).values()).containsEntry("title", "before");
        await(step1.stash(sid, VIEW, Map.of("n", 1)));
        assertThat(await(engines.open(store, encrypted(A)).recover(sid, VIEW, MountKind.FRESH)).values())
                .as("an instance without the next secret still reads what the first step wrote").containsEntry("n", 1);

        StashAdapter step2 = engines.open(store, encrypted(B).previousSecrets(List.of(A)));
        assertThat(await(step2.recover(sid, VIEW, MountKind.FRESH)).values()).containsEntry("title", "before");
        await(step2.stash(sid, VIEW, Map.of("n", 2)));
        assertThat(store.keys()).containsExactly(key(B, sid));
        assertThat(store.read(key(B, sid)).orElseThrow()[0]).isEqualTo((byte) 0xD5);

        assertThat(await(step1.stash(sid, VIEW, Map.of("title", "after")))).isNull(); // follows the move
        StashAdapter done = engines.open(store, encrypted(B));
        assertThat(await(done.recover(sid, VIEW, MountKind.FRESH)).values())
                .as("after the rotation, the new secret alone opens it")
                .containsOnly(Map.entry("title", "after"), Map.entry("n", 2));
    }

    /**
     * The rotation test of {@link SecretRotationTests} with encryption on: a first-step and a
     * second-step instance, 4 writers each, interleaved with the move by random store latency. Every
     * acknowledged write is present at the end, under the new key only, sealed with the new secret.
     */
    @Test
    void encryptedWritersOnBothRotationStepsLoseNothing() throws Exception {
        ViewDefinition writers = ViewDefinition.builder("writers").key("x", Integer.class)
                .key("k0", Integer.class).key("k1", Integer.class).key("k2", Integer.class).key("k3", Integer.class)
                .key("k4", Integer.class).key("k5", Integer.class).key("k6", Integer.class).key("k7", Integer.class)
                .build();
        ScheduledExecutorService delays = Executors.newSingleThreadScheduledExecutor();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 4; round++) {
                long seed = 17L * round + 3;
                MapStorageBackend shared = new MapStorageBackend();
                StorageBackend slow = RandomlySlowBackend.delayingCalls(shared, delays, new Random(seed));
                String session = SessionIds.newSid();
                try (StashAdapter before = new StashAdapter(shared, encrypted(A).build())) {
                    await(before.stash(session, writers, Map.of("x", 42)));
                }
                StashAdapter[] steps = {
                    engines.open(slow, encrypted(A).nextSecret(B).maxWriteAttempts(200)),
                    engines.open(slow, encrypted(B).previousSecrets(List.of(A)).maxWriteAttempts(200)) };
                Map<String, Integer> acknowledged = new ConcurrentHashMap<>();
                List<Future<?>> running = new ArrayList<>();
                for (int w = 0; w < 8; w++) {
                    StashAdapter engine = steps[w % 2];
                    String key = "k" + w;
                    running.add(threads.submit(() -> {
                        for (int n = 1; n <= 15; n++) {
                            await(engine.stash(session, writers, Map.of(key, n)));
                            acknowledged.put(key, n);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : running) {
                    f.get(60, TimeUnit.SECONDS);
                }
                Map<String, Integer> expected = new HashMap<>(acknowledged);
                expected.put("x", 42);
                assertThat(expected).hasSize(9);
                try (StashAdapter after = new StashAdapter(shared, encrypted(B).build())) {
                    assertThat(await(after.recover(session, writers, MountKind.REJOIN)).values())
                            .as("round %d (seed %d), read with the new secret alone", round, seed).isEqualTo(expected);
                }
                assertThat(shared.keys()).as("round %d (seed %d)", round, seed).containsExactly(key(B, session));
            }
        } finally {
            threads.shutdownNow();
            delays.shutdownNow();
        }
    }

    static String key(String secret, String session) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "durable-stash/" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac.doFinal(session.getBytes(StandardCharsets.UTF_8)));
    }

    static String hash(byte[] body) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body), 0, 8);
    }
}
