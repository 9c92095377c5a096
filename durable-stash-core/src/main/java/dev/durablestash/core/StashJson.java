package dev.durablestash.core;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place where the engine's JSON mapping is configured. Every JSON the engine writes or reads
 * goes through a mapper built here:
 *
 * <ul>
 * <li>values, by {@link #forValues} applied to the application's mapper
 *     ({@link StashSettings#jsonMapper()}, which brings its modules, its date formats or its
 *     property names; dates are written as text, never as timestamps): built once per
 *     {@link StashSettings} and used by the {@link ValueCodec}, which both stores values and, through {@link ValueJson}, tells an integration whether a value changed;
 * <li>session documents, by {@link #DOCUMENTS}: the same configuration on Jackson's defaults, since a
 *     document holds only trees the value mapper has already made (no module is involved), and the
 *     document's layout must not depend on the application's mapper.
 * </ul>
 *
 * <p>So a value is normalised once, by one configuration: what is compared to detect a change, what is
 * stored and what is recovered are the same JSON. What a stored value may hold so that its document
 * can be read back by {@link #DOCUMENTS} follows from that mapper's read limits: {@link DocumentLimits}.
 */
final class StashJson {

    /** Writes and reads session documents (trees only). */
    static final JsonMapper DOCUMENTS = forValues(JsonMapper.builder().build());

    private StashJson() {
    }

    /**
     * @param base the application's mapper, left unchanged
     * @return a copy of {@code base} with the engine's configuration
     */
    static JsonMapper forValues(JsonMapper base) {
        return base.rebuild()
                // An object without properties would be stored as {} and silently lose its state: refuse it.
                .enable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .enable(SerializationFeature.FAIL_ON_SELF_REFERENCES)
                // A ZonedDateTime keeps its zone and an OffsetDateTime its offset (by default Jackson
                // writes only the offset and reads the value back adjusted to UTC), also under a mapper
                // that writes dates as timestamps (numbers, which hold neither; an Instant's in
                // milliseconds would also lose its nanoseconds): dates are written as ISO-8601 text.
                .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DateTimeFeature.WRITE_DATE_KEYS_AS_TIMESTAMPS)
                // ... and not moved to the mapper's time zone when one is configured (a Spring Boot app's
                // spring.jackson.time-zone): an OffsetDateTime keeps its offset.
                .disable(DateTimeFeature.WRITE_DATES_WITH_CONTEXT_TIME_ZONE)
                .enable(DateTimeFeature.WRITE_DATES_WITH_ZONE_ID)
                .disable(DateTimeFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                // Trees hold decimal numbers as BigDecimal, as written: a BigDecimal value keeps every
                // digit (and its trailing zeros), and a stored number is never rounded through a double.
                .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .build();
    }
}
