package dev.durablestash.core;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link ValueJson}: the JSON a stash stores, for change detection outside the engine. */
class ValueJsonTests {

    private final StashSettings settings = StashSettings.builder().secret("x".repeat(32)).build();
    private final ValueJson json = ValueJson.of(settings);

    @Test
    void writesWhatTheEngineStoresWithTheEnginesConfiguration() {
        ZonedDateTime paris = ZonedDateTime.of(2026, 1, 1, 10, 0, 0, 0, ZoneId.of("Europe/Paris"));
        assertThat(text(json.write(paris))).isEqualTo("\"2026-01-01T10:00:00+01:00[Europe/Paris]\"");
        assertThat(text(json.write(new BigDecimal("1.50")))).isEqualTo("1.50");
        // the application's mapper alone writes the zone's offset only
        assertThat(JsonMapper.builder().build().writeValueAsString(paris)).isEqualTo("\"2026-01-01T10:00:00+01:00\"");
    }

    @Test
    void theSameStoredJsonIsEqualNumbersAsWrittenAndMembersInAnyOrder() {
        assertThat(json.sameStoredJson(json.write(-0.0), json.write(0.0))).isTrue();
        assertThat(json.sameStoredJson(json.write(new BigDecimal("1.5")), json.write(new BigDecimal("1.50")))).isFalse();
        Map<String, Integer> ab = new LinkedHashMap<>();
        ab.put("a", 1);
        ab.put("b", 2);
        Map<String, Integer> ba = new LinkedHashMap<>();
        ba.put("b", 2);
        ba.put("a", 1);
        assertThat(json.sameStoredJson(json.write(ab), json.write(ba))).isTrue();
        assertThat(json.sameStoredJson(json.write(List.of(1, 2)), json.write(List.of(2, 1)))).isFalse();
    }

    @Test
    void aValueWithoutJsonHasNoneInsteadOfAnException() {
        Supplier<String> lambda = () -> "x";
        assertThat(json.write(lambda)).isNull();
        assertThat(json.write(new Object())).isNull(); // an object without properties is refused, as a stash refuses it
    }

    @Test
    void readsAFreshValueOfTheDeclaredTypeWithTheEnginesCodec() throws Exception {
        List<String> original = new ArrayList<>(List.of("a"));
        Object copy = json.read(json.write(original), StoredKeyTypes.class.getDeclaredField("tags").getGenericType());
        assertThat(copy).isEqualTo(original).isNotSameAs(original);
    }

    static class StoredKeyTypes {
        List<String> tags;
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
