package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class IsoInstantTests {

    @Test
    void writesWhatInstantToStringWrites() {
        SplittableRandom random = new SplittableRandom(42);
        long min = Instant.parse("0900-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("+10100-01-01T00:00:00Z").getEpochSecond();
        int[] nanoSteps = {1, 1000, 1_000_000, 1_000_000_000};
        for (int i = 0; i < 200_000; i++) {
            long seconds = random.nextLong(min, max);
            int step = nanoSteps[random.nextInt(nanoSteps.length)];
            int nano = random.nextInt(1_000_000_000 / step) * step % 1_000_000_000;
            Instant instant = Instant.ofEpochSecond(seconds, nano);
            assertThat(IsoInstant.append(new StringBuilder(), instant).toString()).isEqualTo(instant.toString());
        }
    }

    @Test
    void writesEdgesAsInstantToStringDoes() {
        for (String text : new String[] {"1970-01-01T00:00:00Z", "1000-01-01T00:00:00Z", "0999-12-31T23:59:59.999999999Z",
                "9999-12-31T23:59:59.999Z", "+10000-01-01T00:00:00Z", "2026-12-03T10:15:30.000001Z",
                "2024-02-29T12:00:00.100Z", "1969-12-31T23:59:59.000000001Z"}) {
            Instant instant = Instant.parse(text);
            assertThat(IsoInstant.append(new StringBuilder("x"), instant).toString()).isEqualTo("x" + instant);
        }
        assertThat(IsoInstant.append(new StringBuilder(), Instant.MIN).toString()).isEqualTo(Instant.MIN.toString());
        assertThat(IsoInstant.append(new StringBuilder(), Instant.MAX).toString()).isEqualTo(Instant.MAX.toString());
    }
}
