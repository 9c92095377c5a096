package dev.durablestash.spring.web;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.testing.InMemoryStorageBackend;

import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.ser.std.StdSerializer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Change detection writes the JSON of a field that holds an immutable value (a string here) only
 * when a comparison needs it: a request that changes nothing writes none, and one that changes the
 * field writes each JSON once. What counts as a change stays the stored JSON's difference.
 */
class ChangeDetectionCostTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** Every string the mapper writes, counted; lower-cased, so that "Ada" and "ADA" store the same JSON. */
    private final AtomicInteger stringsWritten = new AtomicInteger();
    private final InMemoryStorageBackend storage = new InMemoryStorageBackend();
    private final StashSettings settings = StashSettings.builder()
            .secret("a-secret-of-at-least-thirty-two-bytes!!")
            .jsonMapper(JsonMapper.builder().addModule(new SimpleModule().addSerializer(String.class,
                    new StdSerializer<String>(String.class) {
                        @Override
                        public void serialize(String value, JsonGenerator gen, SerializationContext context) {
                            stringsWritten.incrementAndGet();
                            gen.writeString(value.toLowerCase(Locale.ROOT));
                        }
                    })).build())
            .build();
    private final StashAdapter adapter = new StashAdapter(storage, settings);
    private final StashedViews views = new StashedViews(settings, List.of());

    @StashedView(name = "profile")
    static class Profile {
        @Stashed String name = "nobody";
    }

    @AfterEach
    void close() {
        adapter.close();
    }

    @Test
    void aRequestThatChangesNothingWritesNoJsonForAnImmutableValue() {
        String sid = stored("ada");
        stringsWritten.set(0);

        Profile profile = new Profile();
        ViewBinding binding = ViewBinding.recover(views.typeOf(Profile.class), profile, sid, MountKind.REJOIN, adapter,
                TIMEOUT);
        assertThat(binding.hasChanges()).isFalse();
        binding.stashNow();

        assertThat(profile.name).isEqualTo("ada");
        assertThat(stringsWritten).as("strings written by recover, the change check and stashNow").hasValue(0);
    }

    @Test
    void aChangedFieldIsWrittenOnceForTheCheckAndOnceForStorage() {
        String sid = stored("ada");
        Profile profile = new Profile();
        ViewBinding binding = ViewBinding.recover(views.typeOf(Profile.class), profile, sid, MountKind.REJOIN, adapter,
                TIMEOUT);
        stringsWritten.set(0);

        profile.name = "grace";
        assertThat(binding.hasChanges()).isTrue();
        binding.stashNow();

        // the check writes the recovered value and the new one; stashNow reuses them; the engine writes the stored one
        assertThat(stringsWritten).hasValue(3);
        assertThat(recovered(sid)).isEqualTo("grace");
    }

    @Test
    void anUnequalValueThatStoresTheSameJsonIsNoChange() {
        String sid = stored("ada");
        Profile profile = new Profile();
        ViewBinding binding = ViewBinding.recover(views.typeOf(Profile.class), profile, sid, MountKind.REJOIN, adapter,
                TIMEOUT);
        String before = new String(storage.read(onlyKey()).orElseThrow(), java.nio.charset.StandardCharsets.UTF_8);

        profile.name = "ADA"; // stored as "ada", as it is now
        assertThat(binding.hasChanges()).isFalse();
        binding.stashNow();

        assertThat(new String(storage.read(onlyKey()).orElseThrow(), java.nio.charset.StandardCharsets.UTF_8))
                .as("the stored document").isEqualTo(before);
    }

    @Test
    void resetPutsBackTheDefaultWithoutHavingWrittenIt() {
        String sid = stored("ada");
        stringsWritten.set(0);
        Profile profile = new Profile();
        ViewBinding binding = ViewBinding.recover(views.typeOf(Profile.class), profile, sid, MountKind.REJOIN, adapter,
                TIMEOUT);

        binding.reset();

        assertThat(profile.name).isEqualTo("nobody");
        assertThat(binding.hasChanges()).isFalse();
        assertThat(stringsWritten).hasValue(0);
    }

    private String stored(String name) {
        String sid = SessionIds.newSid();
        adapter.stash(sid, views.typeOf(Profile.class).definition(), Map.of("name", name)).toCompletableFuture().join();
        return sid;
    }

    private String recovered(String sid) {
        Profile profile = new Profile();
        ViewBinding.recover(views.typeOf(Profile.class), profile, sid, MountKind.REJOIN, adapter, TIMEOUT);
        return profile.name;
    }

    private String onlyKey() {
        assertThat(storage.keys()).hasSize(1);
        return storage.keys().iterator().next();
    }
}
