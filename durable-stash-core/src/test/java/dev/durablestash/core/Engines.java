package dev.durablestash.core;

import java.time.Duration;

import dev.durablestash.testsupport.Stages;

/** Shared set-up for the engine tests (waiting for stages: {@link Stages}). */
final class Engines {

    static final String SECRET = "engine-tests-secret-0123456789abcdef";
    static final Duration TIMEOUT = Stages.TIMEOUT;

    private Engines() {
    }

    static StashSettings.Builder settings() {
        return StashSettings.builder().secret(SECRET);
    }
}
