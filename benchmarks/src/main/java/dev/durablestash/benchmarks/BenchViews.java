package dev.durablestash.benchmarks;

import java.util.Map;

import dev.durablestash.core.ViewDefinition;

/** The view the engine benchmarks stash: five string keys whose values are about 50 bytes each. */
public final class BenchViews {

    /** Five keys, k0 to k4. */
    public static final ViewDefinition FIVE_KEYS = ViewDefinition.builder("bench")
            .key("k0", String.class)
            .key("k1", String.class)
            .key("k2", String.class)
            .key("k3", String.class)
            .key("k4", String.class)
            .build();

    /** A secret for the benchmarks' engines (at least 32 bytes). */
    public static final String SECRET = "benchmark-secret-benchmark-secret-0123456789";

    private static final String FILLER = "x".repeat(40);
    /**
     * Values for {@link #oneKey}, made once: formatting a number costs about as much as the engine's
     * whole in-memory stash, and the figures are the engine's.
     */
    private static final String[] VALUES = new String[1024];

    static {
        for (int i = 0; i < VALUES.length; i++) {
            VALUES[i] = value(i);
        }
    }

    private BenchViews() {
    }

    /** @return all five keys with values of about 50 bytes, {@code k0} carrying {@code n} */
    public static Map<String, Object> allKeys(long n) {
        return Map.of("k0", value(n), "k1", value(1), "k2", value(2), "k3", value(3), "k4", value(4));
    }

    /** @return a diff of one changed key ({@code k0}, about 50 bytes; one of 1,024 values chosen by {@code n}) */
    public static Map<String, Object> oneKey(long n) {
        return Map.of("k0", VALUES[(int) Math.floorMod(n, (long) VALUES.length)]);
    }

    private static String value(long n) {
        return FILLER + String.format("%010d", n);
    }
}
