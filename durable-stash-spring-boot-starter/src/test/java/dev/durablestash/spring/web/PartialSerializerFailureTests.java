package dev.durablestash.spring.web;

import java.time.Duration;
import java.time.LocalDate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import ch.qos.logback.classic.Level;

import dev.durablestash.core.InvalidStashValueException;
import dev.durablestash.core.InvalidValuePolicy;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashSettings;
import dev.durablestash.core.ValueJson;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testsupport.ExpectedLogs;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.annotation.JsonSerialize;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.ser.std.StdSerializer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Change detection and stashing of fields whose serializer throws for some states of the value only
 * (an application serializer throwing something other than a Jackson exception, which the codec now
 * treats as "not representable"), and of immutable values written by a serializer that depends on more
 * than the value.
 */
class PartialSerializerFailureTests extends BindingTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    /** A mutable draft whose serializer refuses it while it has no title (an application's invariant). */
    @JsonSerialize(using = DraftSerializer.class)
    static final class Draft {
        String title;

        @JsonCreator // read back as stored values must be
        Draft(@JsonProperty("title") String title) {
            this.title = title;
        }
    }

    static final class DraftSerializer extends StdSerializer<Draft> {
        DraftSerializer() {
            super(Draft.class);
        }

        @Override
        public void serialize(Draft value, JsonGenerator gen, SerializationContext context) {
            if (value.title == null) {
                throw new IllegalStateException("a draft needs a title");
            }
            if (value.title.isEmpty()) {
                context.reportMappingProblem("a draft needs a non-empty title");
            }
            gen.writeStartObject();
            gen.writeStringProperty("title", value.title);
            gen.writeEndObject();
        }
    }

    @StashedView(name = "untitled")
    static class Untitled {
        @Stashed Draft draft = new Draft(null);
    }

    @StashedView(name = "blank")
    static class Blank {
        @Stashed Draft draft = new Draft("");
    }

    @StashedView(name = "titled")
    static class Titled {
        @Stashed Draft draft = new Draft("first");
    }

    @Test
    void aValueCompletedInPlaceAfterItsSerializerRefusedItIsAChange() {
        String sid = SessionIds.newSid();
        Untitled view = new Untitled();
        ViewBinding binding = recover(view, sid); // the default draft has no JSON: its serializer throws
        view.draft.title = "mine"; // the handler completes it in place; a stash would now store {"title":"mine"}
        assertThat(binding.hasChanges()).as("nothing stored, {\"title\":\"mine\"} would be").isTrue();
        binding.stashNow();
        assertThat(storage.keys()).as("the draft was stashed").isNotEmpty();
        assertThat(storedDocument()).contains("mine");
    }

    @Test
    void aValueCompletedInPlaceAfterAJacksonRefusalIsAChange() {
        Blank view = new Blank();
        ViewBinding binding = recover(view, SessionIds.newSid());
        view.draft.title = "mine";
        assertThat(binding.hasChanges()).as("nothing stored, {\"title\":\"mine\"} would be").isTrue();
    }

    @Test
    void aValueMadeUnrepresentableInPlaceFailsTheStash() {
        String sid = SessionIds.newSid();
        Titled view = new Titled();
        ViewBinding binding = recover(view, sid);
        view.draft.title = "second";
        binding.stashNow();
        assertThat(storedDocument()).contains("second");

        view.draft.title = null; // the same instance, now refused by its serializer
        assertThat(binding.hasChanges()).as("stored {\"title\":\"second\"}, the value now has no JSON").isTrue();
        assertThatThrownBy(binding::stashNow).isInstanceOf(InvalidStashValueException.class)
                .hasMessageContaining("draft").hasMessageContaining("titled");
    }

    @Test
    void replacingTheValueByAnUnrepresentableOneFailsTheStashAsDocumented() {
        // the contrast to the test above: a new instance is compared by identity too, and differs
        Titled view = new Titled();
        ViewBinding binding = recover(view, SessionIds.newSid());
        view.draft = new Draft(null);
        assertThat(binding.hasChanges()).isTrue();
        assertThatThrownBy(binding::stashNow).isInstanceOf(InvalidStashValueException.class)
                .hasMessageContaining("a draft needs a title").hasRootCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void underPolicyLogAReplacedUnrepresentableValueIsSkippedWithAWarningAndTheOthersStashed() {
        logs.expect(Level.WARN, "cannot stash key 'draft' of view 'both'");
        use(StashSettings.builder().secret(SECRET).invalidValuePolicy(InvalidValuePolicy.LOG).build());
        Both view = new Both();
        ViewBinding binding = recover(view, SessionIds.newSid());
        view.draft = new Draft(null);
        view.name = "ada";
        binding.stashNow();
        assertThat(storedDocument()).contains("ada").doesNotContain("draft");
    }

    @StashedView(name = "both")
    static class Both {
        @Stashed Draft draft = new Draft("first");
        @Stashed String name = "none";
    }

    // ----- immutable values written by a serializer that depends on more than the value -----

    /** Stands for an application setting a serializer reads (a locale, a feature flag). */
    static final AtomicBoolean UPPER = new AtomicBoolean();

    @AfterEach
    void resetUpper() {
        UPPER.set(false);
    }

    @StashedView(name = "dated")
    static class Dated {
        @Stashed String name = "ada";
        @Stashed LocalDate day = LocalDate.of(2026, 1, 1);
    }

    @Test
    void anUnchangedImmutableValueIsNotRestashedWhenAnOutsideSettingChangesItsSerializersOutput() {
        // Documented by ValueJson.isImmutable ("with a serializer that depends on the value alone"). Such a
        // serializer would store different JSON for the same value anyway; an unchanged field is simply left
        // as stored, as the stored JSON still reads back as the same value.
        use(StashSettings.builder().secret(SECRET).jsonMapper(JsonMapper.builder().addModule(new SimpleModule()
                .addSerializer(String.class, new StdSerializer<String>(String.class) {
                    @Override
                    public void serialize(String value, JsonGenerator gen, SerializationContext context) {
                        gen.writeString(UPPER.get() ? value.toUpperCase(java.util.Locale.ROOT) : value);
                    }
                })).build()).build());
        String sid = SessionIds.newSid();
        Dated view = new Dated();
        ViewBinding binding = recover(view, sid);
        view.name = "cid";
        view.day = LocalDate.of(2026, 1, 2);
        binding.stashNow();
        assertThat(storedDocument()).contains("\"cid\"");
        UPPER.set(true); // a stash of "cid" would now store "CID"
        view.name = new String("cid"); // equal: not written, not compared by JSON
        assertThat(binding.hasChanges()).isFalse();
        binding.stashNow();
        assertThat(storedDocument()).as("left as stored").contains("\"cid\"");
        assertThat(binding.hasChanges()).isFalse();
        view.name = "bob";
        assertThat(binding.hasChanges()).isTrue();
        binding.stashNow();
        assertThat(storedDocument()).contains("\"BOB\"");
    }

    // ----- thread-safety: a check on another thread while a stash is in flight -----

    @Test
    void aCheckOnAnotherThreadCountsAStashInFlightAsDone() throws Exception {
        storage.setLatency(InMemoryStorageBackend.Operation.PUT, Duration.ofMillis(300));
        Dated view = new Dated();
        ViewBinding binding = recover(view, SessionIds.newSid());
        view.name = "bob";
        CompletableFuture<Void> stash = binding.stashAsync().toCompletableFuture();
        boolean during = CompletableFuture.supplyAsync(binding::hasChanges).get();
        stash.get();
        boolean after = CompletableFuture.supplyAsync(binding::hasChanges).get();
        assertThat(during).as("being stashed").isFalse();
        assertThat(after).as("stashed").isFalse();
    }

    @Test
    void aCheckAfterAStashInFlightFailedSeesTheChangesAgain() throws Exception {
        storage.setLatency(InMemoryStorageBackend.Operation.PUT, Duration.ofMillis(300));
        storage.failNext(InMemoryStorageBackend.Operation.PUT, 100);
        Dated view = new Dated();
        ViewBinding binding = recover(view, SessionIds.newSid());
        view.name = "bob";
        CompletableFuture<Void> stash = binding.stashAsync().toCompletableFuture();
        boolean during = CompletableFuture.supplyAsync(binding::hasChanges).get();
        assertThat(stash).failsWithin(Duration.ofSeconds(10));
        boolean after = CompletableFuture.supplyAsync(binding::hasChanges).get();
        assertThat(during).as("being stashed").isFalse();
        assertThat(after).as("the stash failed").isTrue();
    }

    @Test
    void aSnapshotsLazilyWrittenJsonNeverChangesOnceReturned() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        use(StashSettings.builder().secret(SECRET).jsonMapper(JsonMapper.builder().addModule(new SimpleModule()
                .addSerializer(String.class, new StdSerializer<String>(String.class) {
                    @Override
                    public void serialize(String value, JsonGenerator gen, SerializationContext context) {
                        if (calls.incrementAndGet() == 1) { // the first write fails, once, after a delay
                            entered.countDown();
                            try {
                                release.await(10, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            throw new IllegalStateException("a transient failure");
                        }
                        gen.writeString(value);
                    }
                })).build()).build());
        ValueJson writer = ValueJson.of(settings);
        Dated view = new Dated();
        StashedViewType.Snapshot name = views.typeOf(Dated.class).snapshot(view).get("name"); // a string: lazy
        CompletableFuture<byte[]> slow = new CompletableFuture<>();
        new Thread(() -> slow.complete(name.json(writer))).start();
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<byte[]> second = new CompletableFuture<>();
        Thread secondCaller = new Thread(() -> second.complete(name.json(writer)));
        secondCaller.start();
        // The second caller asks while the first one writes: it waits for that write, or (were the JSON
        // written once per caller) writes its own and is done.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!second.isDone() && secondCaller.getState() != Thread.State.BLOCKED && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        release.countDown();
        byte[] first = slow.get(10, TimeUnit.SECONDS);
        assertThat(second.get(10, TimeUnit.SECONDS)).as("the second caller's").isEqualTo(first);
        assertThat(name.json(writer)).as("the snapshot's JSON, asked again").isEqualTo(first);
        assertThat(calls.get()).as("written once").isEqualTo(1);
    }
}
