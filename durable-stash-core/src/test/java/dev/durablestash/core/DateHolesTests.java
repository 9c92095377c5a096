package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Calendar;
import java.util.Date;
import java.util.GregorianCalendar;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;

import org.junit.jupiter.api.Test;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Date-time positions (LossyPositions), after a review: values that come back whole are stashed (a Timestamp or a
 * Calendar in UTC in a set, an OffsetDateTime under a mapper with a time zone, a bean whose read-only property
 * reads the clock), and a Timestamp declared as such keeps its nanoseconds or is refused.
 */
class DateHolesTests {

    private final MapStorageBackend store = new MapStorageBackend();
    private final String sid = SessionIds.newSid();

    /** Rule 7 as bd5c854 states it: a date-time that would come back as another is refused at stash time. */
    @Test
    void aTimestampDeclaredAsATimestampComesBackWithItsNanosOrIsRefused() throws Exception {
        ViewDefinition view = ViewDefinition.builder("stamps").key("at", Timestamp.class).build();
        Timestamp precise = Timestamp.valueOf("2026-03-29 09:30:01.123456789");
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().build())) {
            boolean stashed;
            try {
                await(adapter.stash(sid, view, Map.of("at", precise)));
                stashed = true;
            } catch (Exception refused) {
                stashed = false;
            }
            if (stashed) {
                Object back = await(adapter.recover(sid, view, MountKind.REJOIN)).values().get("at");
                assertThat(((Timestamp) back).getNanos()).as("nanos of a Timestamp stashed without refusal")
                        .isEqualTo(precise.getNanos());
            }
        }
    }

    /** A Timestamp where a Date is declared is accepted (DateValuesTests); in a Set<Date> it is refused. */
    @Test
    void aTimestampInASetOfDatesIsAcceptedAsItIsWhereADateIsDeclared() {
        ViewDefinition view = ViewDefinition.builder("dates")
                .key("date", Date.class)
                .key("dates", new TypeReference<Set<Date>>() { }.getType())
                .key("calendars", new TypeReference<Set<Calendar>>() { }.getType())
                .build();
        Timestamp fromJdbc = new Timestamp(1_774_769_400_123L);
        Calendar etcUtc = new GregorianCalendar(TimeZone.getTimeZone("Etc/UTC"));
        etcUtc.setTimeInMillis(1_774_769_400_000L);
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().build())) {
            assertThatCode(() -> await(adapter.stash(sid, view, Map.of("date", fromJdbc)))).doesNotThrowAnyException();
            assertThatCode(() -> await(adapter.stash(sid, view, Map.of("dates", Set.of(fromJdbc)))))
                    .as("a Timestamp in a Set<Date>, the same millisecond back").doesNotThrowAnyException();
        }
    }

    /** LossyPositions: "a Calendar by its millisecond and its zone's rules (UTC and GMT are the same zone)". */
    @Test
    void aCalendarInEtcUtcIsAcceptedInASetAsItIsAloneOrInAList() {
        ViewDefinition view = ViewDefinition.builder("dates")
                .key("calendar", Calendar.class)
                .key("calendars", new TypeReference<Set<Calendar>>() { }.getType())
                .build();
        Calendar etcUtc = new GregorianCalendar(TimeZone.getTimeZone("Etc/UTC"));
        etcUtc.setTimeInMillis(1_774_769_400_000L);
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().build())) {
            assertThatCode(() -> await(adapter.stash(sid, view, Map.of("calendar", etcUtc))))
                    .doesNotThrowAnyException();
            Set<Calendar> one = new HashSet<>();
            one.add(etcUtc);
            assertThatCode(() -> await(adapter.stash(sid, view, Map.of("calendars", one))))
                    .as("a Calendar in Etc/UTC in a Set<Calendar>").doesNotThrowAnyException();
        }
    }

    /**
     * bd5c854: "the engine writes dates as ISO-8601 text with their zone even under an application mapper ...
     * (an OffsetDateTime came back moved to Z)". Under a mapper with an explicit time zone (Spring Boot's
     * spring.jackson.time-zone=UTC, or JsonMapper.builder().defaultTimeZone(..)), Jackson's
     * WRITE_DATES_WITH_CONTEXT_TIME_ZONE (on by default) still writes an OffsetDateTime moved to that zone: the
     * engine leaves it on, so every OffsetDateTime in another offset is now refused (it was stored moved before).
     */
    @Test
    void anOffsetDateTimeIsStashedWithItsOffsetUnderAMapperWithAnExplicitTimeZone() throws Exception {
        ViewDefinition view = ViewDefinition.builder("meetings").key("at", OffsetDateTime.class).build();
        JsonMapper utc = JsonMapper.builder().defaultTimeZone(TimeZone.getTimeZone("UTC")).build();
        OffsetDateTime paris = OffsetDateTime.of(2026, 3, 29, 9, 30, 0, 0, ZoneOffset.ofHours(2));
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().jsonMapper(utc).build())) {
            assertThatCode(() -> await(adapter.stash(sid, view, Map.of("at", paris))))
                    .as("an OffsetDateTime at +02:00 under a mapper whose time zone is UTC").doesNotThrowAnyException();
            assertThat(await(adapter.recover(sid, view, MountKind.REJOIN)).<OffsetDateTime>get("at")).isEqualTo(paris);
        }
    }

    /** A state class with a read-only property computed from the clock (how long ago it started). */
    public static class Timer {

        public Instant started = Instant.parse("2026-03-29T07:30:00Z");

        public Duration getElapsed() {
            return Duration.between(started, Instant.now());
        }
    }

    /**
     * bd5c854 compares every date-time position of a bean, read-only properties included: one computed from the
     * clock (an elapsed time, an age) reads differently on the stashed value and on the value read back, so the
     * stash is refused ("would be recovered as another date-time"), although what is stored (started) comes back
     * whole. Before bd5c854 such a value was stashed.
     */
    @Test
    void aReadOnlyPropertyComputedFromTheClockDoesNotRefuseTheStash() {
        ViewDefinition view = ViewDefinition.builder("timers").key("timer", Timer.class).build();
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().build())) {
            assertThatCode(() -> await(adapter.stash(sid, view, Map.of("timer", new Timer()))))
                    .as("a Timer whose getElapsed() reads the clock").doesNotThrowAnyException();
        }
    }
}
