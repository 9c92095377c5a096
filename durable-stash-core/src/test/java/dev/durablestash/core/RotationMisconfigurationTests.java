package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * A rotation misconfigured the easy way (a copy-paste, or two properties filled from one variable)
 * is refused when the settings are built, naming the mistake. Before, a next secret equal to the
 * secret was accepted and then every stash wrote its document and still failed, after 10
 * compare-and-swap attempts, because it found its own write under the "next" key.
 */
class RotationMisconfigurationTests {

    static final String A = "rotation-secret-A-0123456789abcdefghij";
    static final String B = "rotation-secret-B-0123456789abcdefghij";

    @Test
    void aNextSecretEqualToTheSecretIsRefused() {
        assertThatThrownBy(() -> StashSettings.builder().secret(A).nextSecret(A).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("nextSecret equals the secret");
    }

    @Test
    void previousSecretsThatContainTheSecretAreRefused() {
        assertThatThrownBy(() -> StashSettings.builder().secret(A).previousSecrets(List.of(B, A)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("previousSecrets contains the secret");
    }
}
