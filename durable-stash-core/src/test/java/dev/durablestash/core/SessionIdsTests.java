package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class SessionIdsTests {

    /** A well-formed id: 43 URL-safe characters, the last one with its 2 spare bits zero ('A'). */
    private static final String VALID = "Vd4nO3cQm2fJ0kq8WcE1x7rTzY5uHbA9sLpGiDhNwKA";

    @Test
    void newSidIs43UrlSafeCharactersAndWellFormed() {
        String sid = SessionIds.newSid();
        assertThat(sid).hasSize(43).hasSize(SessionIds.LENGTH).matches("[A-Za-z0-9_-]{43}");
        assertThat(SessionIds.isWellFormed(sid)).isTrue();
    }

    @Test
    void newSidDecodesTo256Bits() {
        assertThat(Base64.getUrlDecoder().decode(SessionIds.newSid())).hasSize(32);
    }

    @Test
    void tenThousandNewSidsAreUniqueAndWellFormed() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String sid = SessionIds.newSid();
            assertThat(SessionIds.isWellFormed(sid)).as(sid).isTrue();
            seen.add(sid);
        }
        assertThat(seen).hasSize(10_000);
    }

    @Test
    void acceptsAHandWrittenWellFormedId() {
        assertThat(SessionIds.isWellFormed(VALID)).isTrue();
        assertThat(SessionIds.isWellFormed("-".repeat(42) + "w")).isTrue();
        assertThat(SessionIds.isWellFormed("_".repeat(42) + "8")).isTrue();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "abc"})
    void rejectsMissingAndShortValues(String sid) {
        assertThat(SessionIds.isWellFormed(sid)).isFalse();
    }

    @Test
    void rejectsWrongLengths() {
        assertThat(SessionIds.isWellFormed(VALID.substring(1))).isFalse();
        assertThat(SessionIds.isWellFormed(VALID + "A")).isFalse();
        assertThat(SessionIds.isWellFormed(VALID + "=")).isFalse();
        assertThat(SessionIds.isWellFormed("A".repeat(100_000))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(chars = {'+', '/', '=', ' ', '\t', '.', '%', '~', '\u00e9', '\u0661', '\uff21', '\u0000'})
    void rejectsCharactersOutsideTheUrlSafeAlphabet(char bad) {
        for (int position : new int[] {0, 20, 41}) {
            String sid = VALID.substring(0, position) + bad + VALID.substring(position + 1);
            assertThat(sid).hasSize(43);
            assertThat(SessionIds.isWellFormed(sid)).as("%s at %d", bad, position).isFalse();
        }
    }

    @Test
    void rejectsAnIdPaddedWithSpaces() {
        assertThat(SessionIds.isWellFormed(" " + VALID.substring(1))).isFalse();
        assertThat(SessionIds.isWellFormed(VALID.substring(0, 42) + " ")).isFalse();
    }

    @Test
    void rejectsALastCharacterWithNonZeroSpareBits() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int accepted = 0;
        for (int i = 0; i < alphabet.length(); i++) {
            String sid = VALID.substring(0, 42) + alphabet.charAt(i);
            boolean spareBitsZero = (i & 0b11) == 0;
            assertThat(SessionIds.isWellFormed(sid)).as("last char %s", alphabet.charAt(i)).isEqualTo(spareBitsZero);
            if (spareBitsZero) {
                accepted++;
            }
        }
        assertThat(accepted).isEqualTo(16);
    }

    @Test
    void everyWellFormedIdDecodesTo32Bytes() {
        // The spare-bit rule makes well-formed ids exactly the canonical encodings of 32 bytes.
        String sid = VALID;
        byte[] bytes = Base64.getUrlDecoder().decode(sid);
        assertThat(bytes).hasSize(32);
        assertThat(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes)).isEqualTo(sid);
    }
}
