package dev.durablestash.spring.web;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.chrono.JapaneseDate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;

import ch.qos.logback.classic.Level;

import dev.durablestash.core.InvalidStashValueException;
import dev.durablestash.core.MountKind;
import dev.durablestash.core.RecoveryStatus;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashSettings;
import dev.durablestash.core.StashWriteException;
import dev.durablestash.core.ValueJson;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testsupport.ExpectedLogs;

import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.ser.std.StdSerializer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Change detection of fields holding values {@link ValueJson#isImmutable} calls immutable, whose JSON is
 * written lazily: a field counts as changed exactly when the JSON a stash would store for it differs
 * from the stored JSON.
 */
class ImmutableValueChangeDetectionTests extends BindingTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    private void useMapper(JsonMapper mapper) {
        use(StashSettings.builder().secret(SECRET).jsonMapper(mapper).build());
    }

    /** An enum singleton holding state, written as an object of its properties. */
    @JsonFormat(shape = JsonFormat.Shape.OBJECT)
    enum Counter {
        INSTANCE;

        private int count;

        public int getCount() {
            return count;
        }

        /** Read back as stored values must be: there is one constant. */
        @JsonCreator
        static Counter of(@JsonProperty("count") int count) {
            return INSTANCE;
        }
    }

    /** An enum whose JSON is a mutable label. */
    enum Theme {
        DARK;

        private String label = "dark";

        @JsonValue
        String label() {
            return label;
        }
    }

    @StashedView(name = "enums")
    static class Enums {
        @Stashed Counter counter = Counter.INSTANCE;
        @Stashed Theme theme = Theme.DARK;
    }

    @AfterEach
    void resetEnums() {
        Counter.INSTANCE.count = 0;
        Theme.DARK.label = "dark";
    }

    @Test
    void anEnumConstantWhoseStoredJsonChangesIsAChange() {
        String sid = SessionIds.newSid();
        Enums first = new Enums();
        ViewBinding binding = ViewBinding.recover(views.typeOf(Enums.class), first, sid, MountKind.REJOIN, adapter,
                TIMEOUT);
        first.counter.count = 1;
        binding.stashNow(); // stored {"count":1}
        assertThat(storedDocument()).contains("\"count\":1");

        Counter.INSTANCE.count = 2; // the JSON a stash would store is now {"count":2}
        assertThat(binding.hasChanges()).as("{\"count\":1} stored, {\"count\":2} would be").isTrue();
        binding.stashNow();
        assertThat(storedDocument()).contains("\"count\":2");
    }

    @Test
    void anEnumConstantWithAChangedJsonValueIsAChange() {
        String sid = SessionIds.newSid();
        Enums first = new Enums();
        ViewBinding binding = ViewBinding.recover(views.typeOf(Enums.class), first, sid, MountKind.REJOIN, adapter,
                TIMEOUT);
        // nothing stored; the baseline is {"theme":"dark"} as a stash would write it at recovery
        Theme.DARK.label = "night";
        assertThat(binding.hasChanges()).isTrue();
    }

    // ----- values whose serializer refuses them (no JSON) -----

    @StashedView(name = "names")
    static class Names {
        @Stashed String name = "forbidden";
        @Stashed Object any = 1;
    }

    private static JsonMapper refusing(String refused) {
        return JsonMapper.builder().addModule(new SimpleModule().addSerializer(String.class,
                new StdSerializer<String>(String.class) {
                    @Override
                    public void serialize(String value, JsonGenerator gen, SerializationContext context) {
                        if (value.equals(refused)) {
                            context.reportMappingProblem("refused: %s", value);
                        }
                        gen.writeString(value);
                    }
                })).build();
    }

    @Test
    void anEqualCopyOfAnUnrepresentableDefaultIsNotAChangeAnyMore() {
        // Before the commit: compared by identity (no JSON), so a copy was a change and stashNow failed.
        useMapper(refusing("forbidden"));
        Names names = new Names();
        ViewBinding binding = ViewBinding.recover(views.typeOf(Names.class), names, SessionIds.newSid(), MountKind.REJOIN,
                adapter, TIMEOUT);
        names.name = new String("forbidden");
        assertThat(binding.hasChanges()).isFalse();
        binding.stashNow();
        names.name = "other";
        assertThat(binding.hasChanges()).isTrue();
    }

    @Test
    void anUnrepresentableValueReplacingARepresentableOneIsAChangeAndFailsTheStash() {
        useMapper(refusing("forbidden"));
        Names names = new Names();
        names.name = "fine";
        ViewBinding binding = ViewBinding.recover(views.typeOf(Names.class), names, SessionIds.newSid(), MountKind.REJOIN,
                adapter, TIMEOUT);
        names.name = "forbidden";
        assertThat(binding.hasChanges()).isTrue();
        assertThatThrownBy(binding::stashNow).isInstanceOf(InvalidStashValueException.class);
        names.name = "fine";
        assertThat(binding.hasChanges()).isFalse();
    }

    // ----- Object fields, primitives, numbers -----

    @StashedView(name = "mixed")
    static class Mixed {
        @Stashed Object any = 1;
        @Stashed int count;
        @Stashed char letter = 'a';
        @Stashed Double ratio = Double.NaN;
        @Stashed BigDecimal price = new BigDecimal("1.50");
        @Stashed Instant at = Instant.parse("2026-01-01T00:00:00.123456789Z");
    }

    @Test
    void anObjectFieldChangingBoxTypeIsComparedByItsJson() {
        Mixed mixed = new Mixed();
        ViewBinding binding = bind(mixed);
        mixed.any = 1L; // writes 1 as the Integer did
        assertThat(binding.hasChanges()).isFalse();
        mixed.any = 1.0; // writes 1.0
        assertThat(binding.hasChanges()).isTrue();
        mixed.any = "1";
        assertThat(binding.hasChanges()).isTrue();
        mixed.any = 1;
        assertThat(binding.hasChanges()).isFalse();
    }

    @Test
    void primitivesAndEqualCopiesAreNoChangeAndOtherValuesAre() {
        Mixed mixed = new Mixed();
        ViewBinding binding = bind(mixed);
        mixed.count = 1000;
        assertThat(binding.hasChanges()).isTrue();
        binding.stashNow();
        mixed.count = Integer.parseInt("1000"); // another box each read
        assertThat(binding.hasChanges()).isFalse();
        mixed.letter = 'b';
        assertThat(binding.hasChanges()).isTrue();
        mixed.letter = 'a';
        assertThat(binding.hasChanges()).isFalse();
        mixed.ratio = 0.0 / 0.0;
        assertThat(binding.hasChanges()).isFalse();
        mixed.price = new BigDecimal("1.5");
        assertThat(binding.hasChanges()).isTrue();
        mixed.price = new BigDecimal("1.50");
        mixed.at = Instant.parse("2026-01-01T00:00:00.123456789Z");
        assertThat(binding.hasChanges()).isFalse();
        mixed.at = Instant.parse("2026-01-01T00:00:00.123456788Z");
        assertThat(binding.hasChanges()).isTrue();
    }

    /** The engine writes dates as ISO-8601 text with every digit, whatever the mapper says of timestamps. */
    @Test
    void underAMapperThatWritesTimestampsInMillisAnInstantDifferingBelowTheMillisecondIsAChange() {
        useMapper(JsonMapper.builder().enable(tools.jackson.databind.cfg.DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(tools.jackson.databind.cfg.DateTimeFeature.WRITE_DATE_TIMESTAMPS_AS_NANOSECONDS).build());
        Mixed mixed = new Mixed();
        ViewBinding binding = bind(mixed);
        mixed.at = Instant.parse("2026-01-01T00:00:00.123000001Z"); // the same millisecond, other nanoseconds
        assertThat(binding.hasChanges()).isTrue();
        binding.stashNow();
        mixed.at = Instant.parse("2026-01-01T00:00:00.123000001Z");
        assertThat(binding.hasChanges()).isFalse();
    }

    // ----- recovery ERROR: stashNow throws exactly when there are changes -----

    @Test
    void afterARecoveryErrorStashNowThrowsExactlyWhenThereAreChanges() {
        logs.expect(Level.WARN, "recover failed, the view keeps its defaults");
        storage.failNext(InMemoryStorageBackend.Operation.GET, 100);
        try {
            Names names = new Names();
            ViewBinding binding = ViewBinding.recover(views.typeOf(Names.class), names, SessionIds.newSid(),
                    MountKind.REJOIN, adapter, TIMEOUT);
            assertThat(binding.recovery().status()).isEqualTo(RecoveryStatus.ERROR);
            binding.stashNow(); // no change
            names.name = new String("forbidden"); // equal: no change
            names.any = 1L; // the same JSON
            binding.stashNow();
            names.name = "other";
            assertThatThrownBy(binding::stashNow).isInstanceOf(StashWriteException.class);
            assertThat(binding.hasChanges()).isTrue();
            assertThatThrownBy(binding::stashNow).isInstanceOf(StashWriteException.class);
            names.name = "forbidden";
            binding.stashNow();
            assertThat(binding.stashAsync().toCompletableFuture().join()).isNull();
            names.name = "other";
            assertThat(binding.stashAsync().toCompletableFuture()).isCompletedExceptionally();
        } finally {
            storage.clearFaults();
        }
    }

    // ----- a failed stash keeps the changes -----

    @Test
    void aFailedStashLeavesTheChangeToBeStashedAgain() {
        String sid = SessionIds.newSid();
        Names names = new Names();
        ViewBinding binding = ViewBinding.recover(views.typeOf(Names.class), names, sid, MountKind.REJOIN, adapter,
                TIMEOUT);
        names.name = "ada";
        assertThat(binding.hasChanges()).isTrue();
        storage.failNext(InMemoryStorageBackend.Operation.PUT, 100);
        try {
            assertThatThrownBy(binding::stashNow).isInstanceOf(StashWriteException.class);
            assertThat(binding.stashAsync().toCompletableFuture()).failsWithin(TIMEOUT);
        } finally {
            storage.clearFaults();
        }
        assertThat(binding.hasChanges()).as("the same reference, still not stored").isTrue();
        binding.stashNow();
        assertThat(binding.hasChanges()).isFalse();
        Names recovered = new Names();
        ViewBinding.recover(views.typeOf(Names.class), recovered, sid, MountKind.REJOIN, adapter, TIMEOUT);
        assertThat(recovered.name).isEqualTo("ada");
    }

    // ----- reset puts back the default itself -----

    @Test
    void resetPutsBackTheDefaultItselfAndLaterChangesAreDetected() {
        String sid = SessionIds.newSid();
        Names names = new Names();
        names.any = 5L; // the default, of an Object field
        ViewBinding binding = ViewBinding.recover(views.typeOf(Names.class), names, sid, MountKind.REJOIN, adapter,
                TIMEOUT);
        names.name = "ada";
        names.any = 6; // an Integer: a Long that fits an int is refused there (it would come back an Integer)
        binding.stashNow();
        binding.reset();
        assertThat(names.name).isEqualTo("forbidden");
        assertThat(names.any).isEqualTo(5L); // before the commit: Integer 5, read back from JSON
        assertThat(binding.hasChanges()).isFalse();
        names.name = "grace";
        assertThat(binding.hasChanges()).isTrue();
        binding.resetAsync().toCompletableFuture().join();
        assertThat(names.name).isEqualTo("forbidden");
        assertThat(binding.hasChanges()).isFalse();
    }

    // ----- javadoc of ValueJson.isImmutable -----

    @Test
    void isImmutableIsTrueForExactlyTheListedClasses() {
        // javadoc: the listed java.time classes, "not other immutable classes (a ZoneId of a region, a JapaneseDate)"
        assertThat(ValueJson.isImmutable(ZoneOffset.ofHours(2))).as("a ZoneOffset").isTrue();
        assertThat(ValueJson.isImmutable(LocalDate.of(2026, 1, 1))).as("a LocalDate").isTrue();
        assertThat(ValueJson.isImmutable(ZoneId.of("Europe/Paris"))).as("a ZoneRegion").isFalse();
        assertThat(ValueJson.isImmutable(JapaneseDate.of(2026, 1, 1))).as("a JapaneseDate").isFalse();
    }

    @Test
    void zeroAndNegativeZeroWriteDifferentTextButTheSameStoredJson() {
        // javadoc: "0.0 and -0.0 write different text, which sameStoredJson finds the same"
        ValueJson json = ValueJson.of(settings);
        byte[] zero = json.write(0.0);
        byte[] negative = json.write(-0.0);
        assertThat(new String(negative, StandardCharsets.UTF_8)).as("written").isNotEqualTo(new String(zero, StandardCharsets.UTF_8));
        assertThat(json.sameStoredJson(zero, negative)).as("the same stored JSON").isTrue();
    }

    @Test
    void isImmutableIsFalseForAnEnumConstant() {
        // javadoc: "Not an enum constant (one may have fields that its JSON shows)"
        assertThat(ValueJson.isImmutable(Counter.INSTANCE)).isFalse();
        assertThat(ValueJson.isImmutable(RoundingMode.UP)).as("even one without fields").isFalse();
    }

    private ViewBinding bind(Object target) {
        return recover(target, SessionIds.newSid());
    }
}
