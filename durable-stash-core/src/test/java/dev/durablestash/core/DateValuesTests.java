package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Type;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Calendar;
import java.util.Date;
import java.util.GregorianCalendar;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;

import dev.durablestash.testsupport.ExpectedLogs;

/**
 * Rule 7: what is recovered is what was stashed. A date-time that the mapper writes without what tells it
 * apart (a {@code Calendar}'s time zone, a zone or an offset or the nanoseconds under a mapper that writes
 * dates as timestamps) would be recovered as another date-time: the engine writes dates as ISO-8601 text,
 * with their zone, whatever the application's mapper says, and refuses at stash time, naming the view, the
 * key and where the value sits, a date-time that would still come back different.
 */
class DateValuesTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    private static Type type(TypeReference<?> reference) {
        return reference.getType();
    }

    static final ViewDefinition DATES = ViewDefinition.builder("dates")
            .key("zoned", ZonedDateTime.class)
            .key("offset", OffsetDateTime.class)
            .key("instant", Instant.class)
            .key("local", LocalDateTime.class)
            .key("duration", Duration.class)
            .key("date", Date.class)
            .key("calendar", Calendar.class)
            .key("byTime", type(new TypeReference<Map<ZonedDateTime, String>>() { }))
            .key("calendars", type(new TypeReference<List<Calendar>>() { }))
            .key("meeting", Meeting.class)
            .key("maybe", type(new TypeReference<Optional<Calendar>>() { }))
            .key("times", type(new TypeReference<Set<ZonedDateTime>>() { }))
            .build();

    /** A record with a date-time component. */
    record Meeting(String title, @Nullable Calendar at) {
    }

    private static final ZonedDateTime PARIS = ZonedDateTime.of(2026, 3, 29, 9, 30, 0, 123_456_789,
            ZoneId.of("Europe/Paris"));

    private final MapStorageBackend store = new MapStorageBackend();
    private final String sid = SessionIds.newSid();

    private static Calendar calendarIn(String zone) {
        Calendar calendar = new GregorianCalendar(TimeZone.getTimeZone(zone));
        calendar.setTimeInMillis(1_774_769_400_000L);
        return calendar;
    }

    private void assertRefused(StashAdapter adapter, String key, Object value, String where) {
        assertThatThrownBy(() -> await(adapter.stash(sid, DATES, Map.of(key, value))))
                .as("%s = %s", key, value).isInstanceOf(InvalidStashValueException.class)
                .hasMessageContaining("cannot stash key '" + key + "' of view 'dates'")
                .hasMessageContaining(where).hasMessageContaining("would be recovered as another date-time")
                .hasMessageNotContaining("untyped");
    }

    @Test
    void zonedOffsetAndPreciseValuesComeBackAsStashedUnderAMapperThatWritesDatesAsTimestamps() throws Exception {
        JsonMapper timestamps = JsonMapper.builder().enable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(DateTimeFeature.WRITE_DATE_KEYS_AS_TIMESTAMPS).build();
        Map<String, Object> values = new HashMap<>();
        values.put("zoned", PARIS);
        values.put("offset", OffsetDateTime.of(2026, 3, 29, 9, 30, 0, 0, ZoneOffset.ofHours(-5)));
        values.put("instant", Instant.ofEpochSecond(1_774_769_400L, 123_456_789));
        values.put("local", LocalDateTime.of(2026, 3, 29, 9, 30, 1, 5));
        values.put("duration", Duration.ofSeconds(90, 7));
        values.put("byTime", Map.of(PARIS, "paris"));
        StashSettings settings = Engines.settings().jsonMapper(timestamps).build();
        try (StashAdapter adapter = new StashAdapter(store, settings)) {
            await(adapter.stash(sid, DATES, values));
        }
        try (StashAdapter restarted = new StashAdapter(store, settings)) {
            assertThat(await(restarted.recover(sid, DATES, MountKind.REJOIN)).values()).isEqualTo(values);
        }
    }

    @Test
    void aCalendarOutsideTheMappersTimeZoneIsRefusedWhereverItSits() {
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().build())) {
            assertRefused(adapter, "calendar", calendarIn("Europe/Paris"), "the value, a java.util.GregorianCalendar");
            assertRefused(adapter, "calendars", List.of(calendarIn("UTC"), calendarIn("America/New_York")),
                    "the value at /1");
            assertRefused(adapter, "meeting", new Meeting("standup", calendarIn("Asia/Tokyo")), "the value at /at");
            assertRefused(adapter, "maybe", Optional.of(calendarIn("Europe/Paris")), "the value, a");
        }
        assertThat(store.keys()).as("nothing written").isEmpty();
    }

    @Test
    void aDateTimeKeyOrElementThatWouldComeBackDifferentIsRefused() throws Exception {
        JsonMapper customZone = JsonMapper.builder().defaultTimeZone(TimeZone.getTimeZone("UTC"))
                .enable(DateTimeFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE).build();
        // The engine keeps zones as it stores them; a serializer of the application's that drops them is caught.
        JsonMapper dropsZones = JsonMapper.builder().addModule(new tools.jackson.databind.module.SimpleModule()
                .addSerializer(ZonedDateTime.class, new tools.jackson.databind.ser.std.ToStringSerializerBase(
                        ZonedDateTime.class) {
                    @Override
                    public String valueToString(Object value) {
                        return ((ZonedDateTime) value).withZoneSameInstant(ZoneOffset.UTC).toString();
                    }
                })
                .addKeySerializer(ZonedDateTime.class, new ValueSerializer<ZonedDateTime>() {
                    @Override
                    public void serialize(ZonedDateTime value, JsonGenerator gen, SerializationContext context) {
                        gen.writeName(value.withZoneSameInstant(ZoneOffset.UTC).toString());
                    }
                })).build();
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().jsonMapper(dropsZones).build())) {
            assertRefused(adapter, "zoned", PARIS, "the value, a java.time.ZonedDateTime");
            assertRefused(adapter, "byTime", Map.of(PARIS, "paris"), "the map key, a java.time.ZonedDateTime");
            assertRefused(adapter, "times", Set.of(PARIS), "the value at /0");
            await(adapter.stash(sid, DATES, Map.of("zoned", PARIS.withZoneSameInstant(ZoneOffset.UTC))));
        }
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().jsonMapper(customZone).build())) {
            await(adapter.stash(sid, DATES, Map.of("zoned", PARIS)));
            assertThat(await(adapter.recover(sid, DATES, MountKind.REJOIN)).<ZonedDateTime>get("zoned"))
                    .isEqualTo(PARIS);
        }
    }

    @Test
    void dateTimesThatComeBackAsTheyWereAreStashedAndStashedAgainOnceRecovered() throws Exception {
        Map<String, Object> values = new HashMap<>();
        values.put("zoned", PARIS);
        values.put("date", new Date(1_774_769_400_123L));
        values.put("calendar", calendarIn("UTC"));
        values.put("calendars", List.of(calendarIn("GMT")));
        values.put("meeting", new Meeting("standup", null));
        values.put("times", Set.of(PARIS, PARIS.withZoneSameInstant(ZoneOffset.UTC)));
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().build())) {
            await(adapter.stash(sid, DATES, values));
            // A Timestamp where a Date is declared comes back a Date of the same millisecond: what the type says.
            await(adapter.stash(sid, DATES, Map.of("date", new Timestamp(1_774_769_400_123L))));
        }
        try (StashAdapter restarted = new StashAdapter(store, Engines.settings().build())) {
            Recovery recovery = await(restarted.recover(sid, DATES, MountKind.REJOIN));
            assertThat(recovery.<ZonedDateTime>get("zoned")).isEqualTo(PARIS);
            assertThat(recovery.<Date>get("date").getTime()).isEqualTo(1_774_769_400_123L);
            assertThat(recovery.<Calendar>get("calendar").getTimeInMillis()).isEqualTo(1_774_769_400_000L);
            await(restarted.stash(sid, DATES, recovery.values())); // what recovery gave is never refused
        }
    }
}
