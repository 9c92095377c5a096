package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import org.junit.jupiter.api.Test;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.cfg.DateTimeFeature;

/**
 * Values with fractions that real views hold (records, maps, lists, Optional, java.time) pass the
 * stash-time fraction check and recover as stashed, also with dates and durations as timestamps.
 */
class FractionCheckRealValuesTests {

    record Price(BigDecimal amount, double rate, int qty) { }
    record Timed(Instant at, Duration took, long n) { }
    enum Coin { PENNY, DIME }
    record Wallet(Map<Coin, Double> coins, List<Float> fs, OptionalDouble od, Optional<BigDecimal> ob) { }
    record Box<T>(T item, int n) { }

    static Type t(TypeReference<?> r) { return r.getType(); }

    @Test
    void valuesWithFractionsOfRealViewsAreAcceptedAndRecoveredAsStashed() throws Exception {
        Map<String, Object[]> cases = new LinkedHashMap<>();
        cases.put("price", new Object[] {Price.class, new Price(new BigDecimal("12.50"), 0.5, 3)});
        cases.put("timed", new Object[] {Timed.class, new Timed(
                Instant.parse("2026-01-01T00:00:00.123456789Z"), Duration.ofMillis(1500), 7)});
        cases.put("wallet", new Object[] {Wallet.class, new Wallet(Map.of(Coin.DIME, 0.1), List.of(1.5f, 2f),
                OptionalDouble.of(2.5), Optional.of(new BigDecimal("1.10")))});
        cases.put("boxd", new Object[] {t(new TypeReference<Box<Double>>() { }), new Box<>(1.5, 2)});
        cases.put("boxl", new Object[] {t(new TypeReference<List<Box<BigDecimal>>>() { }),
                List.of(new Box<>(new BigDecimal("0.25"), 2))});
        cases.put("darr", new Object[] {double[].class, new double[] {1.5, 2.0}});
        cases.put("mapnum", new Object[] {t(new TypeReference<Map<String, Number>>() { }), Map.of("a", 1.5)});
        cases.put("instant", new Object[] {Instant.class, Instant.parse("2026-01-01T00:00:00.5Z")});
        cases.put("dur", new Object[] {Duration.class, Duration.ofMillis(1500)});
        cases.put("optd", new Object[] {t(new TypeReference<Optional<Double>>() { }), Optional.of(1.5)});
        for (JsonMapper mapper : List.of(JsonMapper.builder().build(), JsonMapper.builder()
                .enable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(DateTimeFeature.WRITE_DURATIONS_AS_TIMESTAMPS).build())) {
            List<String> failures = new ArrayList<>();
            for (var e : cases.entrySet()) {
                ViewDefinition v = ViewDefinition.builder("v" + e.getKey())
                        .key("k", (Type) e.getValue()[0]).build();
                MapStorageBackend store = new MapStorageBackend();
                String sid = SessionIds.newSid();
                StashSettings s = Engines.settings().jsonMapper(mapper).build();
                try (StashAdapter a = new StashAdapter(store, s)) {
                    await(a.stash(sid, v, Map.of("k", e.getValue()[1])));
                } catch (Throwable x) {
                    failures.add(e.getKey() + ": stash " + x);
                    continue;
                }
                try (StashAdapter a = new StashAdapter(store, s)) {
                    Recovery r = await(a.recover(sid, v, MountKind.REJOIN));
                    Object got = r.values().get("k");
                    String want = shown(e.getValue()[1]);
                    String have = shown(got);
                    if (!want.equals(have)) {
                        failures.add(e.getKey() + ": recovered " + have + " want " + want);
                    }
                }
            }
            assertThat(failures).isEmpty();
        }
    }

    private static String shown(Object value) {
        return value instanceof double[] d ? java.util.Arrays.toString(d) : String.valueOf(value);
    }
}
