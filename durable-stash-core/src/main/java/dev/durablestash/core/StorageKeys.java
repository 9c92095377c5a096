package dev.durablestash.core;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;

/**
 * Derives storage keys from session ids: {@code prefix + base64url(HMAC-SHA256(secret, sid))}. A
 * storage key reveals nothing about the cookie. Keys under previous secrets are derived too, so
 * state written before a secret rotation is still found. Thread-safe.
 */
final class StorageKeys {

    private static final String ALGORITHM = "HmacSHA256";

    private final String prefix;
    private final ThreadLocal<Mac> current;
    private final List<ThreadLocal<Mac>> previous = new ArrayList<>();
    private final @Nullable ThreadLocal<Mac> next;

    /**
     * The storage keys of one session.
     *
     * @param current under the current secret
     * @param next under the next secret (first step of a rotation), or {@code null}
     * @param previous under the previous secrets, newest first
     */
    record SessionKeys(String current, @Nullable String next, List<String> previous) {

        /**
         * Where the session's document is looked for, in order: the newest secret first ({@code next},
         * {@code current}, then {@code previous}). Asked key by key, so no list is kept per live actor.
         *
         * @return the key at {@code index} of that order, or {@code null} past its end
         */
        @Nullable String readKey(int index) {
            int at = index;
            if (next != null) {
                if (at == 0) {
                    return next;
                }
                at--;
            }
            if (at == 0) {
                return current;
            }
            at--;
            return at < previous.size() ? previous.get(at) : null;
        }

        /** @return the key state moves to when found under an older one */
        String newest() {
            return next != null ? next : current;
        }
    }

    StorageKeys(StashSettings settings) {
        this.prefix = settings.keyPrefix();
        this.current = macFor(settings.secret());
        byte[] nextSecret = settings.nextSecret();
        this.next = nextSecret == null ? null : macFor(nextSecret);
        for (byte[] secret : settings.previousSecrets()) {
            previous.add(macFor(secret));
        }
    }

    /** @return the storage key of the session under the current secret */
    String currentKey(String sid) {
        return derive(current, sid);
    }

    /** @return all storage keys of the session */
    SessionKeys of(String sid) {
        ThreadLocal<Mac> nextMac = next;
        return new SessionKeys(currentKey(sid), nextMac == null ? null : derive(nextMac, sid), previousKeys(sid));
    }

    /** @return the storage keys of the session under the previous secrets, newest first */
    List<String> previousKeys(String sid) {
        if (previous.isEmpty()) {
            return List.of();
        }
        List<String> keys = new ArrayList<>(previous.size());
        for (ThreadLocal<Mac> mac : previous) {
            keys.add(derive(mac, sid));
        }
        return keys;
    }

    private String derive(ThreadLocal<Mac> mac, String sid) {
        byte[] digest = mac.get().doFinal(sid.getBytes(StandardCharsets.UTF_8));
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }

    /** @return a per-thread HMAC-SHA256 under the secret (fails at once if the JVM lacks it) */
    static ThreadLocal<Mac> macFor(byte[] secret) {
        SecretKeySpec key = new SecretKeySpec(secret, ALGORITHM);
        newMac(key); // fail fast if the JVM lacks HmacSHA256
        return ThreadLocal.withInitial(() -> newMac(key));
    }

    private static Mac newMac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is not available", e);
        }
    }
}
