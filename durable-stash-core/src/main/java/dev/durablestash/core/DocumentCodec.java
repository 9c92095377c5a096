package dev.durablestash.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;

/**
 * Turns session documents into stored bytes and back: plain JSON, or, with at-rest encryption, an
 * AES-256-GCM envelope. Thread-safe.
 *
 * <h2>Envelope (format 1)</h2>
 * <pre>
 * offset  length  content
 * 0       3       magic D5 53 45 (never the start of a JSON text, so a reader tells the two apart)
 * 3       1       envelope format: 1 (an unsigned byte: any higher one is a newer format)
 * 4       4       key id: which secret sealed it (HKDF-SHA256 of the secret, info "durable-stash key id v1")
 * 8       12      nonce: random, fresh for every write
 * 20      n + 16  AES-GCM ciphertext of the plain JSON document, then the 128-bit tag
 * </pre>
 * The key is HKDF-SHA256 of the secret (salt {@value #SALT}) expanded with the info
 * {@value #KEY_INFO}, a zero byte and the storage key: 256 bits, one per secret and storage key, so
 * the limit of 2^32 random nonces per key applies to one session's writes. A document is sealed with
 * the secret that derived its storage key (current, next or previous), so every instance that looks
 * under that storage key can open it, during a secret rotation too. The additional authenticated
 * data is the 8-byte header followed by the storage key (UTF-8): a flipped byte anywhere, or a
 * document copied under another session's key, fails authentication.
 *
 * <h2>Reading</h2>
 * Envelopes are opened whether or not encryption is switched on (so switching it off again reads
 * what was written). An envelope that fails authentication, names an unknown key, or is cut short is
 * a {@link SealedDocumentException}; one of a newer envelope format an
 * {@link SessionDocument.UnsupportedFormatException}. Plain documents are parsed as they are, except
 * while encryption is on and plain documents are refused: then they are a
 * {@link SealedDocumentException} too.
 */
final class DocumentCodec {

    static final String SALT = "durable-stash at-rest v1";
    static final String KEY_INFO = "durable-stash document key v1";
    static final String KEY_ID_INFO = "durable-stash key id v1";

    static final byte FORMAT = 1;
    private static final byte[] MAGIC = {(byte) 0xD5, 0x53, 0x45};
    private static final int HEADER = 8;
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final int MIN_ENVELOPE = HEADER + NONCE + TAG_BITS / 8;

    /**
     * A secret's key material and id. The AES key of one document is expanded from {@code prk} with
     * the storage key in the info, so each session has keys of its own: the 2^32 limit on random
     * 96-bit nonces applies to the writes of one session under one secret, not to all of them.
     */
    private record DocumentKey(byte[] prk, byte[] id) {

        static DocumentKey of(byte[] secret) {
            byte[] prk = Hkdf.extract(SALT.getBytes(StandardCharsets.UTF_8), secret);
            return new DocumentKey(prk, Hkdf.expand(prk, KEY_ID_INFO.getBytes(StandardCharsets.UTF_8), 4));
        }

        /** @return the AES-256 key of the document stored under {@code storageKey} */
        SecretKeySpec forStorageKey(String storageKey) {
            byte[] label = KEY_INFO.getBytes(StandardCharsets.UTF_8);
            byte[] key = storageKey.getBytes(StandardCharsets.UTF_8);
            byte[] info = new byte[label.length + 1 + key.length];
            System.arraycopy(label, 0, info, 0, label.length);
            System.arraycopy(key, 0, info, label.length + 1, key.length); // label, 0x00, storage key
            return new SecretKeySpec(Hkdf.expand(prk, info, 32), "AES");
        }
    }

    private final boolean encrypt;
    private final boolean acceptPlain;
    private final DocumentKey current;
    private final @Nullable DocumentKey next;
    private final List<DocumentKey> previous = new ArrayList<>();
    private final List<DocumentKey> all = new ArrayList<>();
    private final SecureRandom random = new SecureRandom();

    DocumentCodec(StashSettings settings) {
        this.encrypt = settings.encryptAtRest();
        this.acceptPlain = !settings.encryptAtRest() || settings.acceptPlainDocuments();
        this.current = DocumentKey.of(settings.secret());
        byte[] nextSecret = settings.nextSecret();
        this.next = nextSecret == null ? null : DocumentKey.of(nextSecret);
        settings.previousSecrets().forEach(secret -> previous.add(DocumentKey.of(secret)));
        all.add(current);
        if (next != null) {
            all.add(next);
        }
        all.addAll(previous);
        cipher(); // fail fast if the JVM lacks AES-GCM
    }

    /** @return whether documents are written encrypted */
    boolean encrypts() {
        return encrypt;
    }

    /**
     * @param storageKey where the bytes are written
     * @param keys the session's storage keys, to pick the secret that derived {@code storageKey}
     *     (a key that is none of them, such as a new session id's key, is the current secret's)
     * @return the bytes to store
     */
    byte[] encode(SessionDocument doc, String storageKey, StorageKeys.@Nullable SessionKeys keys) {
        return encode(doc.toBytes(), storageKey, keys);
    }

    /**
     * {@link #encode(SessionDocument, String, StorageKeys.SessionKeys)} of a document whose JSON
     * ({@link SessionDocument#toBytes()}) the caller has already made.
     */
    byte[] encode(byte[] json, String storageKey, StorageKeys.@Nullable SessionKeys keys) {
        if (!encrypt) {
            return json;
        }
        return seal(json, storageKey, keyFor(storageKey, keys));
    }

    /**
     * @param storageKey where the bytes were read
     * @throws SessionDocument.CorruptDocumentException if plain bytes (or opened ones) are not a session document
     * @throws SessionDocument.UnsupportedFormatException if the document or envelope was written in a newer layout
     * @throws SealedDocumentException if an envelope cannot be opened, or a plain document is refused
     */
    SessionDocument decode(byte[] bytes, String storageKey) {
        if (!isEnvelope(bytes)) {
            if (!acceptPlain) {
                throw new SealedDocumentException(bytes.length == 0 ? "the document is empty (0 bytes)"
                        : isMagicPrefix(bytes) ? "the envelope is cut short (" + bytes.length + " bytes)"
                        : "a plain document where only encrypted ones are accepted "
                                + "(durable-stash.encryption.accept-plain-documents is off)");
            }
            return SessionDocument.parse(bytes);
        }
        return SessionDocument.parse(open(bytes, storageKey));
    }

    /** @return whether the bytes start like an envelope (of any format) */
    static boolean isEnvelope(byte[] bytes) {
        return bytes.length >= MAGIC.length && bytes[0] == MAGIC[0] && bytes[1] == MAGIC[1] && bytes[2] == MAGIC[2];
    }

    /** @return whether the bytes are a non-empty beginning of the magic, shorter than it: a cut-short envelope */
    private static boolean isMagicPrefix(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (i >= MAGIC.length || bytes[i] != MAGIC[i]) {
                return false;
            }
        }
        return bytes.length > 0;
    }

    private DocumentKey keyFor(String storageKey, StorageKeys.@Nullable SessionKeys keys) {
        if (keys == null || storageKey.equals(keys.current())) {
            return current;
        }
        if (next != null && storageKey.equals(keys.next())) {
            return next;
        }
        int older = keys.previous().indexOf(storageKey);
        return older >= 0 && older < previous.size() ? previous.get(older) : current;
    }

    private byte[] seal(byte[] json, String storageKey, DocumentKey key) {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        ByteBuffer out = ByteBuffer.allocate(HEADER + NONCE + json.length + TAG_BITS / 8);
        out.put(MAGIC).put(FORMAT).put(key.id()).put(nonce);
        try {
            Cipher cipher = cipher();
            cipher.init(Cipher.ENCRYPT_MODE, key.forStorageKey(storageKey), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(out.array(), 0, HEADER);
            cipher.updateAAD(storageKey.getBytes(StandardCharsets.UTF_8));
            cipher.doFinal(ByteBuffer.wrap(json), out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
        return out.array();
    }

    private byte[] open(byte[] bytes, String storageKey) {
        int format = bytes.length > MAGIC.length ? Byte.toUnsignedInt(bytes[MAGIC.length]) : 0; // 0x80 and up: newer too
        if (format > FORMAT) {
            throw new SessionDocument.UnsupportedFormatException("envelope " + format);
        }
        if (format != FORMAT || bytes.length < MIN_ENVELOPE) {
            throw new SealedDocumentException(format != FORMAT ? "envelope format " + format + " is not valid"
                    : "the envelope is cut short (" + bytes.length + " bytes)");
        }
        boolean known = false;
        for (DocumentKey key : all) {
            if (!matchesId(bytes, key.id())) {
                continue;
            }
            known = true;
            try {
                Cipher cipher = cipher();
                cipher.init(Cipher.DECRYPT_MODE, key.forStorageKey(storageKey),
                        new GCMParameterSpec(TAG_BITS, bytes, HEADER, NONCE));
                cipher.updateAAD(bytes, 0, HEADER);
                cipher.updateAAD(storageKey.getBytes(StandardCharsets.UTF_8));
                return cipher.doFinal(bytes, HEADER + NONCE, bytes.length - HEADER - NONCE);
            } catch (AEADBadTagException e) {
                // another secret may share the id: try it
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM decryption failed", e);
            }
        }
        if (!known) {
            throw new SealedDocumentException("sealed with key id " + HexFormat.of().formatHex(bytes, 4, HEADER)
                    + ", which belongs to no configured secret (secret, next-secret, previous-secrets)");
        }
        throw new SealedDocumentException("authentication failed: the document was altered, "
                + "or copied from another storage key");
    }

    private static boolean matchesId(byte[] bytes, byte[] id) {
        for (int i = 0; i < id.length; i++) {
            if (bytes[4 + i] != id[i]) {
                return false;
            }
        }
        return true;
    }

    private static Cipher cipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is not available", e);
        }
    }

    /** An encrypted document that cannot be opened, or a plain one where only encrypted ones are accepted. */
    static final class SealedDocumentException extends StashException {
        private static final long serialVersionUID = 1L;

        SealedDocumentException(String reason) {
            super("unreadable encrypted session document: " + reason, null);
        }
    }
}
