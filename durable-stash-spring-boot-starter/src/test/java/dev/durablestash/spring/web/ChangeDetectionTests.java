package dev.durablestash.spring.web;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.testing.InMemoryStorageBackend;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A field counts as changed exactly when the JSON a stash would store for it differs from the JSON
 * stored for it now, for values whose JSON depends on how the mapper is configured (zoned dates,
 * negative zero, decimals with trailing zeros, maps in another order, records). "Differs" is JSON
 * equality: numbers as written (1.5 is not 1.50), object members in any order.
 */
class ChangeDetectionTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Reads stored documents keeping every digit of a decimal as written. */
    private static final JsonMapper READER = JsonMapper.builder().enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES).build();

    private static final ZonedDateTime PARIS = ZonedDateTime.of(2026, 1, 1, 10, 0, 0, 0, ZoneId.of("Europe/Paris"));

    private final InMemoryStorageBackend storage = new InMemoryStorageBackend();
    private final StashSettings settings = StashSettings.builder().secret("a-secret-of-at-least-thirty-two-bytes!!").build();
    private final StashAdapter adapter = new StashAdapter(storage, settings);
    private final StashedViews views = new StashedViews(settings, List.of());

    @AfterEach
    void close() {
        adapter.close();
    }

    record Reading(ZonedDateTime at, BigDecimal value) {
    }

    @StashedView(name = "values")
    static class Values {
        @Stashed ZonedDateTime when;
        @Stashed double ratio;
        @Stashed float share;
        @Stashed BigDecimal price;
        @Stashed Map<String, Integer> counts;
        @Stashed Reading reading;
        @Stashed LocalDate day;
    }

    @Test
    void aZonedDateTimeChangesWhenItsZoneDoesEvenAtTheSameOffset() {
        // Same instant, same offset, another zone: the stored JSON names the zone.
        check("when", v -> v.when = PARIS, v -> v.when = PARIS.withZoneSameLocal(ZoneOffset.ofHours(1)));
        check("when", v -> v.when = PARIS, v -> v.when = PARIS.withZoneSameInstant(ZoneOffset.UTC));
        check("when", v -> v.when = PARIS, v -> v.when = ZonedDateTime.of(2026, 1, 1, 10, 0, 0, 0, ZoneId.of("Europe/Paris")));
    }

    @Test
    void aDoubleOrFloatChangesWhenItsStoredNumberDoes() {
        check("ratio", v -> v.ratio = 0.0, v -> v.ratio = -0.0); // both stored as 0.0
        check("ratio", v -> v.ratio = 0.1, v -> v.ratio = 0.1);
        check("ratio", v -> v.ratio = 0.1, v -> v.ratio = 0.1 + 1e-17); // the same double
        check("ratio", v -> v.ratio = 0.1, v -> v.ratio = 0.2);
        check("share", v -> v.share = 0.0f, v -> v.share = -0.0f);
        check("share", v -> v.share = 0.1f, v -> v.share = 0.1f);
        check("share", v -> v.share = 0.1f, v -> v.share = 0.3f);
    }

    @Test
    void aBigDecimalChangesWithItsTrailingZeros() {
        check("price", v -> v.price = new BigDecimal("1.5"), v -> v.price = new BigDecimal("1.50"));
        check("price", v -> v.price = new BigDecimal("1.50"), v -> v.price = new BigDecimal("1.50"));
        check("price", v -> v.price = new BigDecimal("1E+3"), v -> v.price = new BigDecimal("1000"));
    }

    @Test
    void aMapInAnotherOrderIsTheSameAndAnotherEntryIsAChange() {
        check("counts", v -> v.counts = ordered("a", 1, "b", 2), v -> v.counts = ordered("b", 2, "a", 1));
        check("counts", v -> v.counts = ordered("a", 1, "b", 2), v -> v.counts = ordered("a", 1, "b", 3));
    }

    @Test
    void aRecordChangesWhenOneOfItsComponentsStoredJsonDoes() {
        check("reading", v -> v.reading = new Reading(PARIS, new BigDecimal("2.0")),
                v -> v.reading = new Reading(PARIS, new BigDecimal("2.00")));
        check("reading", v -> v.reading = new Reading(PARIS, new BigDecimal("2.0")),
                v -> v.reading = new Reading(PARIS.withZoneSameLocal(ZoneOffset.ofHours(1)), new BigDecimal("2.0")));
        check("reading", v -> v.reading = new Reading(PARIS, new BigDecimal("2.0")),
                v -> v.reading = new Reading(PARIS, new BigDecimal("2.0")));
        check("day", v -> v.day = LocalDate.of(2026, 1, 1), v -> v.day = LocalDate.parse("2026-01-01"));
    }

    /**
     * Stores {@code before} in a session, recovers it into a fresh instance, sets {@code after} and
     * asserts that the binding sees a change exactly when the JSON a stash stores for {@code after}
     * differs from the JSON stored now.
     */
    private void check(String key, Consumer<Values> before, Consumer<Values> after) {
        String sid = SessionIds.newSid();
        JsonNode stored = store(sid, key, before);

        Values recovered = new Values();
        ViewBinding binding = ViewBinding.recover(views.typeOf(Values.class), recovered, sid, MountKind.REJOIN, adapter,
                TIMEOUT);
        after.accept(recovered);
        boolean detected = binding.hasChanges();

        JsonNode wouldStore = store(SessionIds.newSid(), key, after);
        assertThat(detected).as("%s: stored %s, a stash would store %s; detected as changed", key, stored, wouldStore)
                .isEqualTo(!stored.equals(wouldStore));
    }

    /** Stashes one key of a new session through the engine, and returns the JSON stored for it. */
    private JsonNode store(String sid, String key, Consumer<Values> value) {
        Values values = new Values();
        value.accept(values);
        Set<String> keysBefore = Set.copyOf(storage.keys());
        adapter.stash(sid, views.typeOf(Values.class).definition(), Collections.singletonMap(key, fieldValue(values, key)))
                .toCompletableFuture().join();
        Set<String> written = new HashSet<>(storage.keys());
        written.removeAll(keysBefore);
        assertThat(written).as("the new session's document").hasSize(1);
        JsonNode document = READER.readTree(storage.read(written.iterator().next()).orElseThrow());
        return document.path("views").path("values").path("data").path(key);
    }

    private static Object fieldValue(Values v, String key) {
        return switch (key) {
            case "when" -> v.when;
            case "ratio" -> v.ratio;
            case "share" -> v.share;
            case "price" -> v.price;
            case "counts" -> v.counts;
            case "reading" -> v.reading;
            case "day" -> v.day;
            default -> throw new IllegalArgumentException(key);
        };
    }

    private static Map<String, Integer> ordered(String k1, int v1, String k2, int v2) {
        Map<String, Integer> map = new LinkedHashMap<>();
        map.put(k1, v1);
        map.put(k2, v2);
        return map;
    }
}
