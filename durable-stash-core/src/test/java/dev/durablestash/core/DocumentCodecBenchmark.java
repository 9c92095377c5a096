package dev.durablestash.core;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Not a test: what at-rest encryption adds to one document's way into and out of storage. Prints the
 * CPU time (of the measuring thread, so other load on the machine hardly changes it) per encode and
 * per decode of a session document, plain and encrypted, for a small document and a 16 KB one. It
 * asserts nothing and is not part of the default test run (its name does not end in {@code Tests});
 * run it with
 *
 * <pre>
 * ./mvnw -B -pl durable-stash-core verify -Dtest=DocumentCodecBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class DocumentCodecBenchmark {

    static final String SECRET = "benchmark-secret-0123456789abcdefghijkl";
    static final String KEY = "durable-stash/uyUgUze9vQO-YRQg1sheWKy7TwmviLbh9JR4d62OL48";
    static final int ROUNDS = 5;
    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @Test
    void cpuPerDocumentWithAndWithoutEncryption() {
        ViewDefinition view = ViewDefinition.builder("counter").key("count", long.class).key("text", String.class).build();
        DocumentCodec plain = StashSettings.builder().secret(SECRET).build().documentCodec();
        DocumentCodec encrypted = StashSettings.builder().secret(SECRET).encryptAtRest(true).build().documentCodec();
        System.out.printf("%nDocument codec benchmark: CPU time of one thread per operation, median of %d rounds%n", ROUNDS);
        for (int textBytes : new int[] {10, 16 * 1024}) {
            SessionDocument doc = SessionDocument.empty().apply(SliceDiff.of(view, Map.of("count",
                    JsonNodeFactory.instance.numberNode(42L), "text", JsonNodeFactory.instance.stringNode("x".repeat(textBytes))),
                    Set.of()));
            byte[] json = plain.encode(doc, KEY, null);
            byte[] sealed = encrypted.encode(doc, KEY, null);
            int n = textBytes < 1024 ? 50_000 : 2_000;
            Runnable[] operations = {
                () -> plain.encode(doc, KEY, null), () -> encrypted.encode(doc, KEY, null),
                () -> plain.decode(json, KEY), () -> encrypted.decode(sealed, KEY) };
            double[] micros = measure(n, operations);
            double encodePlain = micros[0];
            double encodeSealed = micros[1];
            double decodePlain = micros[2];
            double decodeSealed = micros[3];
            System.out.printf("  %,6d-byte document: encode %.1f us plain, %.1f us encrypted (+%.1f us); "
                    + "decode %.1f us plain, %.1f us encrypted (+%.1f us)%n", json.length, encodePlain, encodeSealed,
                    encodeSealed - encodePlain, decodePlain, decodeSealed, decodeSealed - decodePlain);
        }
    }

    /**
     * @return per operation, the median over the rounds of the thread's CPU microseconds per call; the
     *     operations take turns within each round, after three warm-up rounds
     */
    private static double[] measure(int n, Runnable[] operations) {
        double[][] micros = new double[operations.length][ROUNDS];
        for (int round = -3; round < ROUNDS; round++) {
            for (int o = 0; o < operations.length; o++) {
                long start = THREADS.getCurrentThreadCpuTime();
                for (int i = 0; i < n; i++) {
                    operations[o].run();
                }
                if (round >= 0) {
                    micros[o][round] = (THREADS.getCurrentThreadCpuTime() - start) / 1000.0 / n;
                }
            }
        }
        double[] medians = new double[operations.length];
        for (int o = 0; o < operations.length; o++) {
            Arrays.sort(micros[o]);
            medians[o] = micros[o][ROUNDS / 2];
        }
        return medians;
    }
}
