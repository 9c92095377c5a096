package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.durablestash.core.MountKind;

class MountCountTests {

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
            " ", "\t", "0", "00", " 0 ", "-0", "-1", "-999", "abc", "1.5", "1e3", "0x1", "+1", "1,000", "1_000",
            "1 2", "one", "NaN", "\u0661", "\uff11", "99999999999", "99999999999999999999999999999999",
            "00000000001",
    })
    void absentZeroNegativeOrMalformedValuesAreFresh(String mounts) {
        assertThat(MountCount.kindOf(mounts)).isEqualTo(MountKind.FRESH);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "2", "  2 ", "\t3\n", "01", "42", "2147483648", "9999999999"})
    void positiveIntegersAreRejoins(String mounts) {
        assertThat(MountCount.kindOf(mounts)).isEqualTo(MountKind.REJOIN);
    }

    @Test
    void aVeryLongValueIsReadWithoutParsingIt() {
        assertThat(MountCount.kindOf("1".repeat(100_000))).isEqualTo(MountKind.FRESH);
    }
}
