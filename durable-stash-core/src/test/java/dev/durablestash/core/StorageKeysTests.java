package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

class StorageKeysTests {

    private static final String SECRET = "current-secret-0123456789abcdefghij";
    private static final String OLD = "previous-secret-0123456789abcdefghij";
    private static final String OLDER = "oldest-secret-0123456789abcdefghijkl";
    private static final String SID = "Vd4nO3cQm2fJ0kq8WcE1x7rTzY5uHbA9sLpGiDhNwKo";

    private static StorageKeys keys(String secret, String... previous) {
        return new StorageKeys(StashSettings.builder().secret(secret).previousSecrets(List.of(previous)).build());
    }

    /** The contract's formula, computed without the class under test. */
    private static String expected(String prefix, String secret, String sid) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] digest = mac.doFinal(sid.getBytes(StandardCharsets.UTF_8));
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }

    @Test
    void keyIsPrefixPlusBase64UrlOfHmacSha256OfTheSid() throws Exception {
        assertThat(keys(SECRET).currentKey(SID)).isEqualTo(expected("durable-stash/", SECRET, SID));
    }

    @Test
    void keyUsesTheConfiguredPrefix() throws Exception {
        StorageKeys custom = new StorageKeys(StashSettings.builder().secret(SECRET).keyPrefix("apps/shop/stash-").build());
        assertThat(custom.currentKey(SID)).isEqualTo(expected("apps/shop/stash-", SECRET, SID));
        StorageKeys none = new StorageKeys(StashSettings.builder().secret(SECRET).keyPrefix("").build());
        assertThat(none.currentKey(SID)).isEqualTo(expected("", SECRET, SID));
    }

    @Test
    void aKnownAnswerMatches() throws Exception {
        // Fixed input, fixed output: catches an accidental change of encoding or algorithm.
        String key = new StorageKeys(StashSettings.builder().secret("k".repeat(32)).keyPrefix("").build()).currentKey("abc");
        assertThat(key).isEqualTo(expected("", "k".repeat(32), "abc"));
        assertThat(key).hasSize(43).matches("[A-Za-z0-9_-]{43}");
    }

    @Test
    void keyIsDeterministicAcrossInstancesAndCalls() {
        StorageKeys a = keys(SECRET);
        StorageKeys b = keys(SECRET);
        assertThat(a.currentKey(SID)).isEqualTo(a.currentKey(SID)).isEqualTo(b.currentKey(SID));
    }

    @Test
    void differentSecretsGiveDifferentKeys() {
        assertThat(keys(SECRET).currentKey(SID)).isNotEqualTo(keys(OLD).currentKey(SID));
    }

    @Test
    void differentSidsGiveDifferentKeys() {
        StorageKeys keys = keys(SECRET);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            seen.add(keys.currentKey("sid-" + i));
        }
        assertThat(seen).hasSize(1_000);
    }

    @Test
    void previousSecretsGiveTheirKeysInOrder() throws Exception {
        StorageKeys keys = keys(SECRET, OLD, OLDER);
        assertThat(keys.currentKey(SID)).isEqualTo(expected("durable-stash/", SECRET, SID));
        assertThat(keys.previousKeys(SID)).containsExactly(
                expected("durable-stash/", OLD, SID),
                expected("durable-stash/", OLDER, SID));
    }

    /** A load reads the keys newest first: next, current, then previous ones, newest first. */
    @Test
    void theReadOrderIsNextThenCurrentThenThePreviousKeys() {
        StorageKeys.SessionKeys all = new StorageKeys.SessionKeys("cur", "nxt", List.of("old", "older"));
        List<String> order = new ArrayList<>();
        for (int i = 0; all.readKey(i) != null; i++) {
            order.add(all.readKey(i));
        }
        assertThat(order).containsExactly("nxt", "cur", "old", "older");
        assertThat(all.readKey(9)).isNull();
        StorageKeys.SessionKeys plain = keys(SECRET).of(SID);
        assertThat(plain.readKey(0)).isEqualTo(keys(SECRET).currentKey(SID));
        assertThat(plain.readKey(1)).isNull();
        StorageKeys.SessionKeys firstStep = new StorageKeys.SessionKeys("cur", "nxt", List.of());
        assertThat(firstStep.readKey(0)).isEqualTo("nxt");
        assertThat(firstStep.readKey(1)).isEqualTo("cur");
        assertThat(firstStep.readKey(2)).isNull();
    }

    @Test
    void noPreviousSecretsGiveNoPreviousKeys() {
        assertThat(keys(SECRET).previousKeys(SID)).isEmpty();
    }

    @Test
    void aPreviousKeyEqualsTheCurrentKeyOfThatSecret() {
        // After a rotation, the state written under the old current key is found under a previous key.
        assertThat(keys(SECRET, OLD).previousKeys(SID)).containsExactly(keys(OLD).currentKey(SID));
    }

    @Test
    void keyRevealsNoPartOfTheSid() {
        StorageKeys keys = keys(SECRET);
        for (int i = 0; i < 200; i++) {
            String sid = SessionIds.newSid();
            String hash = keys.currentKey(sid).substring("durable-stash/".length());
            for (int start = 0; start + 8 <= sid.length(); start++) {
                assertThat(hash).doesNotContain(sid.substring(start, start + 8));
            }
        }
        assertThat(keys.currentKey(SID)).doesNotContain(SID);
    }

    @Test
    void keyHas43UrlSafeCharactersAfterThePrefix() {
        StorageKeys keys = keys(SECRET);
        for (String sid : List.of(SID, "", "x", "ü-non-ascii-✓", "a".repeat(10_000))) {
            String key = keys.currentKey(sid);
            assertThat(key).startsWith("durable-stash/");
            assertThat(key.substring("durable-stash/".length())).matches("[A-Za-z0-9_-]{43}");
        }
    }

    @Test
    void keysAreCorrectWhenDerivedFromManyThreads() throws Exception {
        StorageKeys keys = keys(SECRET, OLD);
        List<String> sids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sids.add("sid-" + i);
        }
        List<String> wrong = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (String sid : sids) {
                    try {
                        if (!keys.currentKey(sid).equals(expected("durable-stash/", SECRET, sid))
                                || !keys.previousKeys(sid).equals(List.of(expected("durable-stash/", OLD, sid)))) {
                            wrong.add(sid);
                        }
                    } catch (Exception e) {
                        wrong.add(sid + ": " + e);
                    }
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(wrong).isEmpty();
    }
}
