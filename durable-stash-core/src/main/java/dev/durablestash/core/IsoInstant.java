package dev.durablestash.core;

import java.time.Instant;
import java.time.LocalDate;

/**
 * Writes an {@link Instant} exactly as {@link Instant#toString()} does (ISO-8601, UTC, the fraction
 * in groups of three digits, as many as needed), without the formatter machinery: a session
 * document's expiry is written on every stash. Instants outside the years 1000 to 9999 are handed
 * to {@link Instant#toString()}. Stateless.
 */
final class IsoInstant {

    private static final int SECONDS_PER_DAY = 86_400;
    /** 1000-01-01T00:00:00Z */
    private static final long MIN_SECONDS = LocalDate.of(1000, 1, 1).toEpochDay() * SECONDS_PER_DAY;
    /** 10000-01-01T00:00:00Z */
    private static final long MAX_SECONDS = LocalDate.of(10000, 1, 1).toEpochDay() * SECONDS_PER_DAY;

    private IsoInstant() {
    }

    /** @return {@code out}, with {@code instant.toString()} appended */
    static StringBuilder append(StringBuilder out, Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < MIN_SECONDS || seconds >= MAX_SECONDS) {
            return out.append(instant);
        }
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(seconds, SECONDS_PER_DAY));
        int secondOfDay = Math.floorMod(seconds, SECONDS_PER_DAY);
        out.append(date.getYear()).append('-');
        twoDigits(out, date.getMonthValue()).append('-');
        twoDigits(out, date.getDayOfMonth()).append('T');
        twoDigits(out, secondOfDay / 3600).append(':');
        twoDigits(out, secondOfDay / 60 % 60).append(':');
        twoDigits(out, secondOfDay % 60);
        int nano = instant.getNano();
        if (nano > 0) {
            out.append('.');
            if (nano % 1_000_000 == 0) {
                digits(out, nano / 1_000_000, 3);
            } else if (nano % 1000 == 0) {
                digits(out, nano / 1000, 6);
            } else {
                digits(out, nano, 9);
            }
        }
        return out.append('Z');
    }

    private static StringBuilder twoDigits(StringBuilder out, int value) {
        return out.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
    }

    private static void digits(StringBuilder out, int value, int width) {
        int at = out.length();
        out.append(value);
        for (int pad = width - (out.length() - at); pad > 0; pad--) {
            out.insert(at, '0');
        }
    }
}
