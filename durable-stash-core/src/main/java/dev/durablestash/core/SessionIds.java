package dev.durablestash.core;

import java.security.SecureRandom;
import java.util.Base64;

import org.jspecify.annotations.Nullable;

/**
 * Browser session ids ({@code sid}): 256 random bits from {@link SecureRandom}, URL-safe base64
 * without padding (43 characters). Thread-safe.
 */
public final class SessionIds {

    /** Length of a session id, in characters. */
    public static final int LENGTH = 43;

    private static final SecureRandom RANDOM = new SecureRandom();

    private SessionIds() {
    }

    /** @return a new random session id */
    public static String newSid() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Checks the shape of a session id taken from a cookie. A value that fails this check is
     * replaced by a new id, never looked up.
     *
     * @param sid a candidate, or {@code null}
     * @return {@code true} if it has the shape of an id made by {@link #newSid()}
     */
    public static boolean isWellFormed(@Nullable String sid) {
        if (sid == null || sid.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = sid.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        // 43 base64 characters carry 258 bits; the last one must leave the 2 spare bits zero.
        return "AEIMQUYcgkosw048".indexOf(sid.charAt(LENGTH - 1)) >= 0;
    }
}
