package dev.durablestash.core;

import java.util.List;

/**
 * The settings of the instances of a secret rotation the tests run side by side over one store: before it
 * (the old secret alone), in its first step (the old secret, the new one as next) and in its second (the
 * new secret, the old one as previous). Each call returns a new builder, to be changed further at will.
 */
final class SecretRotationSteps {

    static final String OLD = "old-secret-of-these-tests-0123456789abcdef";
    static final String NEW = "new-secret-of-these-tests-0123456789abcdef";

    private SecretRotationSteps() {
    }

    /** @return an instance's settings before the rotation: the old secret alone */
    static StashSettings.Builder oldOnly() {
        return StashSettings.builder().secret(OLD);
    }

    /** @return a first-step instance's settings: writes under the old secret's key, reads the new one's too */
    static StashSettings.Builder stepOne() {
        return StashSettings.builder().secret(OLD).nextSecret(NEW);
    }

    /** @return a second-step instance's settings: the new secret, the old one as previous */
    static StashSettings.Builder stepTwo() {
        return StashSettings.builder().secret(NEW).previousSecrets(List.of(OLD));
    }
}
