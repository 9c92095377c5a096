package dev.durablestash.spring.web.servlet;

import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Calendar;
import java.util.GregorianCalendar;
import java.util.TimeZone;

import jakarta.servlet.http.Cookie;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import ch.qos.logback.classic.Level;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.spring.autoconfigure.StashSettingsCustomizer;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

/**
 * Rule 7 with the application's own mapper: a zoned date-time comes back in its zone also when a
 * {@link StashSettingsCustomizer} gives the engine a mapper that writes dates as timestamps, and a
 * {@code Calendar} that would come back moved to the mapper's time zone is refused when stashed (the request
 * fails, nothing is stored) instead of recovered as another date-time.
 */
class DateValuesMvcTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.web");

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                    DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                    JacksonAutoConfiguration.class, WebMvcAutoConfiguration.class,
                    HttpMessageConvertersAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @Test
    void aZonedValueComesBackInItsZoneUnderAMapperThatWritesDatesAsTimestamps() {
        contextRunner.withUserConfiguration(MeetingController.class, TimestampMapper.class).run((context) -> {
            assertThat(context).hasNotFailed();
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).addFilters(context.getBean(SidFilter.class))
                    .build();
            MockHttpServletResponse set = mvc.perform(post("/meeting")).andReturn().getResponse();
            assertThat(set.getStatus()).isEqualTo(200);
            Cookie sid = set.getCookie("sid");
            assertThat(sid).isNotNull();
            MockHttpServletResponse got = mvc.perform(get("/meeting").cookie(sid)).andReturn().getResponse();
            assertThat(got.getContentAsString()).as("recovered as stashed")
                    .isEqualTo("2026-03-29T09:30+02:00[Europe/Paris] 9 2026-03-29T09:30-05:00 9");
        });
    }

    @Test
    void aCalendarOutsideTheMappersTimeZoneIsRefusedWhenStashedAndOneInItIsKept() {
        logs.expect(Level.ERROR, "would be recovered as another date-time");
        contextRunner.withUserConfiguration(CalendarController.class).run((context) -> {
            assertThat(context).hasNotFailed();
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).addFilters(context.getBean(SidFilter.class))
                    .build();
            MockHttpServletResponse paris = mvc.perform(post("/calendar").param("zone", "Europe/Paris")).andReturn()
                    .getResponse();
            assertThat(paris.getStatus()).as("refused when stashed").isEqualTo(500);
            Cookie sid = paris.getCookie("sid");
            assertThat(sid).isNotNull();
            MockHttpServletResponse nothing = mvc.perform(get("/calendar").cookie(sid)).andReturn().getResponse();
            assertThat(nothing.getContentAsString()).as("nothing stored").isEqualTo("none");
            MockHttpServletResponse utc = mvc.perform(post("/calendar").param("zone", "UTC").cookie(sid)).andReturn()
                    .getResponse();
            assertThat(utc.getStatus()).isEqualTo(200);
            MockHttpServletResponse got = mvc.perform(get("/calendar").cookie(sid)).andReturn().getResponse();
            assertThat(got.getContentAsString()).as("the UTC calendar stays").isEqualTo("UTC@7");
        });
    }

    @RestController
    static class MeetingController {
        @Stashed ZonedDateTime when;
        @Stashed OffsetDateTime offset;

        @PostMapping("/meeting")
        String set() {
            when = ZonedDateTime.of(2026, 3, 29, 9, 30, 0, 0, ZoneId.of("Europe/Paris"));
            offset = OffsetDateTime.of(2026, 3, 29, 9, 30, 0, 0, ZoneOffset.ofHours(-5));
            return show();
        }

        @GetMapping("/meeting")
        String show() {
            return when + " " + when.getHour() + " " + offset + " " + offset.getHour();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TimestampMapper {
        @Bean
        StashSettingsCustomizer timestamps() {
            return (builder) -> builder
                    .jsonMapper(JsonMapper.builder().enable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS).build());
        }
    }

    @RestController
    static class CalendarController {
        @Stashed @Nullable Calendar calendar;

        @PostMapping("/calendar")
        String set(@RequestParam String zone) {
            calendar = new GregorianCalendar(TimeZone.getTimeZone(zone));
            calendar.setTimeInMillis(1_774_769_400_000L); // 07:30 UTC
            return show();
        }

        @GetMapping("/calendar")
        String show() {
            return calendar == null ? "none"
                    : calendar.getTimeZone().getID() + "@" + calendar.get(Calendar.HOUR_OF_DAY);
        }
    }
}
