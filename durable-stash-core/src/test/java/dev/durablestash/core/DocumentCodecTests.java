package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.node.JsonNodeFactory;

/** The stored form of a session document: plain JSON or the AES-GCM envelope bound to its storage key. */
class DocumentCodecTests {

    static final String A = "codec-secret-A-0123456789abcdefghijklmn";
    static final String B = "codec-secret-B-0123456789abcdefghijklmn";
    static final String KEY = "durable-stash/session-one";
    static final ViewDefinition NOTES = ViewDefinition.builder("notes").key("title", String.class).build();
    static final SessionDocument DOC = SessionDocument.empty().apply(
            SliceDiff.of(NOTES, Map.of("title", JsonNodeFactory.instance.stringNode("secret plans")), Set.of()));

    static DocumentCodec codec(StashSettings.Builder settings) {
        return settings.build().documentCodec();
    }

    final DocumentCodec encrypting = codec(StashSettings.builder().secret(A).encryptAtRest(true));

    @Test
    void anEncryptedDocumentRoundTripsAndHidesItsContent() {
        byte[] sealed = encrypting.encode(DOC, KEY, null);
        assertThat(DocumentCodec.isEnvelope(sealed)).isTrue();
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("secret plans").doesNotContain("notes");
        assertThat(sealed).hasSize(DOC.toBytes().length + 8 + 12 + 16);
        assertThat(encrypting.decode(sealed, KEY).toBytes()).isEqualTo(DOC.toBytes());
    }

    /**
     * The format pinned by an envelope made outside this code (Python's {@code cryptography} AES-GCM
     * and HKDF written from RFC 5869): secret A, storage key {@value #KEY}, nonce 00 01 .. 0b.
     */
    @Test
    void anEnvelopeMadeByAnIndependentImplementationOpens() {
        byte[] envelope = java.util.HexFormat.of().parseHex("d553450193bc7ebb000102030405060708090a0b4810de5594953267ba2b"
                + "2270e4b5a574d6006da920b7c6bac008950e4818c7229023a8ff36cef360ba6c1d5cacb86984c9f9944545bf3b0970dd5e7a3d98fb"
                + "619d8ee7b89c4e6e41f705f65f7b0a3edd8f75103f023591");
        SessionDocument doc = encrypting.decode(envelope, KEY);
        assertThat(doc.slice("notes").data().get("title").stringValue()).isEqualTo("from python");
    }

    @Test
    void everyWriteUsesAFreshNonce() {
        byte[] one = encrypting.encode(DOC, KEY, null);
        byte[] two = encrypting.encode(DOC, KEY, null);
        assertThat(java.util.Arrays.copyOfRange(one, 8, 20)).isNotEqualTo(java.util.Arrays.copyOfRange(two, 8, 20));
        assertThat(one).isNotEqualTo(two);
    }

    @Test
    void anyFlippedByteIsDetected() {
        byte[] sealed = encrypting.encode(DOC, KEY, null);
        for (int i = 0; i < sealed.length; i++) {
            for (int bit : new int[] {0x01, 0x80}) {
                byte[] tampered = sealed.clone();
                tampered[i] ^= (byte) bit;
                int index = i;
                assertThatThrownBy(() -> encrypting.decode(tampered, KEY)).as("byte %d flipped by %x", index, bit)
                        .isInstanceOfAny(DocumentCodec.SealedDocumentException.class,
                                SessionDocument.UnsupportedFormatException.class); // format byte raised: a newer envelope
            }
        }
    }

    @Test
    void aTruncatedEnvelopeIsDetected() {
        byte[] sealed = encrypting.encode(DOC, KEY, null);
        for (int length : new int[] {3, 4, 19, 35, sealed.length - 1}) {
            assertThatThrownBy(() -> encrypting.decode(java.util.Arrays.copyOf(sealed, length), KEY))
                    .isInstanceOf(DocumentCodec.SealedDocumentException.class);
        }
    }

    @Test
    void aDocumentCopiedUnderAnotherStorageKeyDoesNotOpen() {
        byte[] sealed = encrypting.encode(DOC, KEY, null);
        assertThatThrownBy(() -> encrypting.decode(sealed, "durable-stash/session-two"))
                .isInstanceOf(DocumentCodec.SealedDocumentException.class)
                .hasMessageContaining("altered, or copied from another storage key");
    }

    @Test
    void aDocumentSealedUnderAnUnknownSecretIsNamedAsSuch() {
        byte[] sealed = codec(StashSettings.builder().secret(B).encryptAtRest(true)).encode(DOC, KEY, null);
        assertThatThrownBy(() -> encrypting.decode(sealed, KEY))
                .isInstanceOf(DocumentCodec.SealedDocumentException.class)
                .hasMessageContaining("belongs to no configured secret");
    }

    @Test
    void aNewerEnvelopeFormatIsUnsupportedNotCorrupt() {
        for (int format : new int[] {2, 0x7F, 0x80, 0xFF}) { // the format byte is unsigned: 0x80 and up are newer too
            byte[] sealed = encrypting.encode(DOC, KEY, null);
            sealed[3] = (byte) format;
            assertThatThrownBy(() -> encrypting.decode(sealed, KEY)).as("envelope format %d", format)
                    .isInstanceOf(SessionDocument.UnsupportedFormatException.class)
                    .hasMessageContaining("envelope " + format);
        }
    }

    @Test
    void anEmptyOrCutShortBodyWhileEncryptingIsNamedAsSuchNotAsAPlainDocument() {
        assertThatThrownBy(() -> encrypting.decode(new byte[0], KEY))
                .isInstanceOf(DocumentCodec.SealedDocumentException.class)
                .hasMessageContaining("empty").hasMessageNotContaining("plain document");
        byte[] sealed = encrypting.encode(DOC, KEY, null);
        for (int length : new int[] {1, 2}) {
            assertThatThrownBy(() -> encrypting.decode(java.util.Arrays.copyOf(sealed, length), KEY))
                    .isInstanceOf(DocumentCodec.SealedDocumentException.class)
                    .hasMessageContaining("cut short").hasMessageNotContaining("plain document");
        }
    }

    @Test
    void plainDocumentsAreRefusedWhileEncryptingUnlessAccepted() {
        byte[] plain = DOC.toBytes();
        assertThatThrownBy(() -> encrypting.decode(plain, KEY))
                .isInstanceOf(DocumentCodec.SealedDocumentException.class)
                .hasMessageContaining("accept-plain-documents");
        DocumentCodec migrating = codec(StashSettings.builder().secret(A).encryptAtRest(true).acceptPlainDocuments(true));
        assertThat(migrating.decode(plain, KEY).toBytes()).isEqualTo(plain);
        assertThat(DocumentCodec.isEnvelope(migrating.encode(DOC, KEY, null))).isTrue();
    }

    @Test
    void withEncryptionOffDocumentsAreWrittenPlainAndEnvelopesStillOpen() {
        DocumentCodec plain = codec(StashSettings.builder().secret(A));
        assertThat(plain.encode(DOC, KEY, null)).isEqualTo(DOC.toBytes());
        assertThat(plain.decode(encrypting.encode(DOC, KEY, null), KEY).toBytes()).isEqualTo(DOC.toBytes());
    }

    @Test
    void aDocumentIsSealedWithTheSecretThatDerivedItsStorageKey() {
        DocumentCodec step1 = codec(StashSettings.builder().secret(A).nextSecret(B).encryptAtRest(true));
        StorageKeys.SessionKeys keys = new StorageKeys.SessionKeys("k-under-a", "k-under-b", List.of());
        DocumentCodec onlyA = encrypting;
        DocumentCodec onlyB = codec(StashSettings.builder().secret(B).encryptAtRest(true));

        assertThat(onlyA.decode(step1.encode(DOC, "k-under-a", keys), "k-under-a").toBytes()).isEqualTo(DOC.toBytes());
        assertThat(onlyB.decode(step1.encode(DOC, "k-under-b", keys), "k-under-b").toBytes()).isEqualTo(DOC.toBytes());

        DocumentCodec step2 = codec(StashSettings.builder().secret(B).previousSecrets(List.of(A)).encryptAtRest(true));
        StorageKeys.SessionKeys step2Keys = new StorageKeys.SessionKeys("k-under-b", null, List.of("k-under-a"));
        assertThat(onlyA.decode(step2.encode(DOC.asMarker(), "k-under-a", step2Keys), "k-under-a").isMarker()).isTrue();
        assertThat(step2.decode(onlyA.encode(DOC, "k-under-a", null), "k-under-a").toBytes()).isEqualTo(DOC.toBytes());
    }
}
