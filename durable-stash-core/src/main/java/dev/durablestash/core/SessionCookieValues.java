package dev.durablestash.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

import javax.crypto.Mac;

import org.jspecify.annotations.Nullable;

/**
 * The value of the {@code sid} cookie: the session id, a dot and a tag that proves the server
 * issued it, {@code sid + "." + base64url(HMAC-SHA256(secret, "durable-stash sid\n" + sid))[0..128 bits]}:
 * 66 URL-safe characters. A sid the server did not issue is never adopted (no session fixation):
 * an untagged, forged, truncated or foreign value {@linkplain #decode decodes} to {@code null}, and the
 * caller issues a new session.
 *
 * <p><b>Secret rotation.</b> Values are tagged with the current secret and accepted when tagged with
 * the current secret, the next secret (first step of a rotation: instances of the second step issue
 * those) or a previous secret (second step); a value accepted under a previous secret asks to be
 * {@linkplain Decoded#retag() written again} with the current tag, so the cookie follows the secret
 * before the previous secrets are dropped. The tag's HMAC input differs from the storage key's, so a
 * storage key reveals no tag and a tag no storage key.
 *
 * <p><b>Cost.</b> One HMAC per secret tried (the current one first), compared in constant time.
 *
 * <p><b>Thread-safety:</b> thread-safe; share one instance per application.
 */
public final class SessionCookieValues {

    /** Length of a cookie value, in characters: the sid, a dot and a 22-character tag. */
    public static final int LENGTH = SessionIds.LENGTH + 1 + 22;

    private static final byte[] CONTEXT = "durable-stash sid\n".getBytes(StandardCharsets.US_ASCII);
    private static final int TAG_BYTES = 16;

    private final ThreadLocal<Mac> current;
    /** The next secret (if any), then the previous secrets, newest first. */
    private final List<ThreadLocal<Mac>> accepted = new ArrayList<>();
    private final int firstPrevious;

    /**
     * A cookie value that carries a tag of this server.
     *
     * @param sid the session id
     * @param retag {@code true} when the tag was made with a previous secret: write the cookie again
     *     with {@link #encode(String)}
     */
    public record Decoded(String sid, boolean retag) {
    }

    /** @param settings the engine's configuration: its secret, next secret and previous secrets */
    public SessionCookieValues(StashSettings settings) {
        Objects.requireNonNull(settings, "settings");
        this.current = StorageKeys.macFor(settings.secret());
        byte[] next = settings.nextSecret();
        if (next != null) {
            accepted.add(StorageKeys.macFor(next));
        }
        this.firstPrevious = accepted.size();
        for (byte[] secret : settings.previousSecrets()) {
            accepted.add(StorageKeys.macFor(secret));
        }
    }

    /**
     * @param sid a session id made by {@link SessionIds#newSid()}
     * @return the cookie value for it, tagged under the current secret
     * @throws IllegalArgumentException if {@code sid} is not {@linkplain SessionIds#isWellFormed well formed}
     */
    public String encode(String sid) {
        if (!SessionIds.isWellFormed(sid)) {
            throw new IllegalArgumentException("not a session id made by SessionIds.newSid()");
        }
        return sid + '.' + new String(tag(current, sid), StandardCharsets.US_ASCII);
    }

    /**
     * Checks a value taken from a cookie.
     *
     * @param value the cookie value, or {@code null}
     * @return its session id when the value is a well-formed sid with a tag under the current, the next
     *     or a previous secret; otherwise {@code null} (never an exception)
     */
    public @Nullable Decoded decode(@Nullable String value) {
        if (value == null || value.length() != LENGTH || value.charAt(SessionIds.LENGTH) != '.') {
            return null;
        }
        String sid = value.substring(0, SessionIds.LENGTH);
        if (!SessionIds.isWellFormed(sid)) {
            return null;
        }
        byte[] given = value.substring(SessionIds.LENGTH + 1).getBytes(StandardCharsets.ISO_8859_1);
        if (MessageDigest.isEqual(given, tag(current, sid))) {
            return new Decoded(sid, false);
        }
        for (int i = 0; i < accepted.size(); i++) {
            if (MessageDigest.isEqual(given, tag(accepted.get(i), sid))) {
                return new Decoded(sid, i >= firstPrevious);
            }
        }
        return null;
    }

    /** @return the tag in base64url without padding, as ASCII bytes */
    private static byte[] tag(ThreadLocal<Mac> macs, String sid) {
        Mac mac = macs.get();
        mac.update(CONTEXT);
        byte[] digest = mac.doFinal(sid.getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encode(Arrays.copyOf(digest, TAG_BYTES));
    }
}
