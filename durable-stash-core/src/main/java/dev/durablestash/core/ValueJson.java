package dev.durablestash.core;

import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.JacksonException;

/**
 * The JSON a stash stores for a value, for an integration that keeps values in objects between a
 * recover and a stash (the Spring starter's {@code @Stashed} fields) and must tell which of them
 * changed: a value is changed exactly when the JSON a stash would store for it differs. It goes
 * through the very mapper the engine stores values with, so change detection, storage and recovery
 * can never normalise a value differently.
 *
 * <p><b>Thread-safety:</b> immutable and thread-safe.
 */
public final class ValueJson {

    private final ValueCodec codec;

    ValueJson(ValueCodec codec) {
        this.codec = codec;
    }

    /**
     * @param settings the engine's configuration (its {@link StashSettings#jsonMapper()})
     * @return the value JSON of the engines built with these settings
     */
    public static ValueJson of(StashSettings settings) {
        return new ValueJson(Objects.requireNonNull(settings, "settings").valueCodec());
    }

    /**
     * @param value a value, or {@code null}
     * @return the value's JSON (UTF-8) as a stash writes it, before the size limit is applied; or
     *     {@code null} when the value cannot be represented in JSON, or its serializer failed (a stash
     *     of it fails or skips it, by the {@link InvalidValuePolicy}). Never throws for a value that
     *     cannot be represented.
     */
    public byte @Nullable [] write(@Nullable Object value) {
        return codec.json(value);
    }

    /**
     * @param value a value, or {@code null}
     * @return whether the value and its JSON cannot change once made, so that a holder may keep the
     *     value itself instead of a copy, and equal values of its class write the same JSON (with a
     *     serializer that depends on the value alone): {@code null}, or an instance of exactly
     *     {@code String}, a boxed primitive, {@code BigInteger}, {@code BigDecimal}, {@code UUID},
     *     {@code Instant}, {@code LocalDate}, {@code LocalTime}, {@code LocalDateTime},
     *     {@code OffsetDateTime}, {@code OffsetTime}, {@code ZonedDateTime}, {@code Duration},
     *     {@code Period}, {@code Year}, {@code YearMonth}, {@code MonthDay} or {@code ZoneOffset}. Not
     *     an enum constant (one may have fields that its JSON shows), not a subclass of these, and not
     *     other immutable classes (a {@code ZoneId} of a region, a {@code JapaneseDate}): for those it
     *     is {@code false}. Unequal values may still be stored as the same JSON: {@code 0.0} and
     *     {@code -0.0} write different text, which {@link #sameStoredJson} finds the same.
     */
    public static boolean isImmutable(@Nullable Object value) {
        return ValueCodec.immutableJdkValue(value);
    }

    /**
     * @param a JSON from {@link #write}
     * @param b JSON from {@link #write}
     * @return whether a stash of either stores the same JSON: equal numbers as written ({@code 1.5}
     *     is not {@code 1.50}), object members in any order; {@code false} when either is JSON that
     *     cannot be stored (its reader refuses it, such as a property name with half of a surrogate
     *     pair), so that the stash of the value reports it as a value that cannot be stored
     */
    public boolean sameStoredJson(byte[] a, byte[] b) {
        if (Arrays.equals(a, b)) {
            return true;
        }
        try {
            return codec.tree(a).equals(codec.tree(b));
        } catch (JacksonException e) {
            return false;
        }
    }

    /**
     * @param json JSON from {@link #write}
     * @param type the type to read it as (a field's generic type)
     * @return a new value read from {@code json}, as a recover would read it
     * @throws JacksonException if the JSON does not fit the type
     */
    public @Nullable Object read(byte[] json, Type type) {
        return codec.read(json, type);
    }
}
