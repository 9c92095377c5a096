package dev.durablestash.core;

import java.security.GeneralSecurityException;
import java.util.Objects;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869): derives independent keys from one secret. Stateless and
 * thread-safe.
 */
final class Hkdf {

    private static final String HMAC = "HmacSHA256";
    private static final int HASH_LENGTH = 32;

    private Hkdf() {
    }

    /**
     * Extract then expand.
     *
     * @param salt optional salt (empty: a string of zeros, as the RFC says)
     * @param ikm the input keying material (the secret)
     * @param info context that makes the output specific to one use
     * @param length output length in bytes, at most 255 * 32
     * @return {@code length} bytes of output keying material
     */
    static byte[] derive(byte[] salt, byte[] ikm, byte[] info, int length) {
        return expand(extract(salt, ikm), info, length);
    }

    /** @return the pseudorandom key {@code HMAC(salt, ikm)} */
    static byte[] extract(byte[] salt, byte[] ikm) {
        Objects.requireNonNull(ikm, "ikm");
        byte[] key = salt.length == 0 ? new byte[HASH_LENGTH] : salt;
        return mac(key).doFinal(ikm);
    }

    /** @return {@code T(1) | T(2) | ...} cut to {@code length}, where {@code T(i) = HMAC(prk, T(i-1) | info | i)} */
    static byte[] expand(byte[] prk, byte[] info, int length) {
        if (length <= 0 || length > 255 * HASH_LENGTH) {
            throw new IllegalArgumentException("HKDF output length must be 1.." + 255 * HASH_LENGTH + ", was " + length);
        }
        Mac mac = mac(prk);
        byte[] out = new byte[length];
        byte[] block = new byte[0];
        int done = 0;
        for (int i = 1; done < length; i++) {
            mac.update(block);
            mac.update(info);
            mac.update((byte) i);
            block = mac.doFinal();
            int n = Math.min(block.length, length - done);
            System.arraycopy(block, 0, out, done, n);
            done += n;
        }
        return out;
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(HMAC + " is not available", e);
        }
    }
}
