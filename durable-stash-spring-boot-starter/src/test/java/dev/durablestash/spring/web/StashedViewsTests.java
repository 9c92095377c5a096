package dev.durablestash.spring.web;

import java.lang.reflect.ParameterizedType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import ch.qos.logback.classic.Level;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.RecoveryStatus;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.core.StashTimeoutException;
import dev.durablestash.core.StoredKey;
import dev.durablestash.core.ViewDefinition;
import dev.durablestash.spring.Scope;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.ViewMigrator;
import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** {@link StashedViews} and {@link ViewBinding} against the real engine on the in-memory backend. */
class StashedViewsTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final InMemoryStorageBackend storage = new InMemoryStorageBackend();
    private final StashSettings settings = StashSettings.builder().secret("a-secret-of-at-least-thirty-two-bytes!!").build();
    private final StashAdapter adapter = new StashAdapter(storage, settings);
    private final StashedViews views = new StashedViews(settings, List.of());
    private final String sid = SessionIds.newSid();

    @AfterEach
    void close() {
        adapter.close();
    }

    private ViewBinding recover(Draft draft) {
        return ViewBinding.recover(views.typeOf(Draft.class), draft, sid, MountKind.FRESH, adapter, TIMEOUT);
    }

    @Test
    void everyScopeMapsToTheEngineScopeOfTheSameNameAndTheEngineHasNoOther() {
        for (Scope scope : Scope.values()) {
            assertThat(StashedViews.engineScope(scope).name()).isEqualTo(scope.name());
        }
        assertThat(dev.durablestash.core.Scope.values()).extracting(Enum::name)
                .containsExactly(java.util.Arrays.stream(Scope.values()).map(Enum::name).toArray(String[]::new));
    }

    @Test
    void theViewDefinitionIsBuiltOncePerClassFromTheStashedFieldsAndTheirGenericTypes() {
        StashedViewType type = views.typeOf(Draft.class);
        assertThat(views.typeOf(Draft.class)).isSameAs(type);
        ViewDefinition definition = type.definition();
        assertThat(definition.name()).isEqualTo("Draft");
        assertThat(definition.vsn()).isEqualTo(3);
        assertThat(definition.keys()).containsOnlyKeys("owner", "text", "tags", "n");
        assertThat(definition.key("owner")).isEqualTo(new StoredKey("owner", String.class, dev.durablestash.core.Scope.SESSION));
        assertThat(definition.key("text").scope()).isEqualTo(dev.durablestash.core.Scope.RECONNECT);
        assertThat(definition.key("tags").type()).isInstanceOf(ParameterizedType.class);
        assertThat(definition.key("n").type()).isEqualTo(long.class);
        assertThat(StashedViews.isStashedView(Draft.class)).isTrue();
        assertThat(StashedViews.isStashedView(String.class)).isFalse();
    }

    @Test
    void staticOrFinalStashedFieldsAndDuplicateViewNamesAreRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> views.typeOf(FinalField.class))
                .withMessageContaining("FinalField.x").withMessageContaining("neither static nor final");
        assertThatIllegalArgumentException().isThrownBy(() -> views.typeOf(String.class))
                .withMessageContaining("is not a view");
        views.typeOf(Named.class);
        assertThatIllegalStateException().isThrownBy(() -> views.typeOf(SameName.class))
                .withMessageContaining("view name 'shared'");
    }

    @Test
    void aFieldTypedByASuperclassesTypeVariableIsRecoveredAsTheViewClassesTypeArgument() {
        ViewDefinition definition = views.typeOf(PersonView.class).definition();
        assertThat(definition.key("value").type()).isEqualTo(Person.class);
        assertThat(definition.key("values").type().getTypeName()).isEqualTo("java.util.List<" + Person.class.getName()
                + ">");
        assertThat(definition.key("byName").type().getTypeName()).isEqualTo("java.util.Map<java.lang.String, "
                + "java.util.List<" + Person.class.getName() + ">>");
        assertThat(definition.key("array").type()).isEqualTo(Person[].class);
        assertThat(definition.key("owner").type()).isEqualTo(String.class);

        PersonView view = new PersonView();
        ViewBinding binding = ViewBinding.recover(views.typeOf(PersonView.class), view, sid, MountKind.FRESH, adapter,
                TIMEOUT);
        view.value = new Person("ada");
        view.values.add(new Person("bob"));
        view.byName.put("c", List.of(new Person("cy")));
        view.array = new Person[] { new Person("di") };
        binding.stashNow();

        PersonView again = new PersonView();
        ViewBinding recovered = ViewBinding.recover(views.typeOf(PersonView.class), again, sid, MountKind.FRESH,
                adapter, TIMEOUT);
        assertThat(recovered.status()).isEqualTo(RecoveryStatus.RECOVERED);
        Person value = again.value; // a LinkedHashMap here would throw ClassCastException
        assertThat(value).isEqualTo(new Person("ada"));
        assertThat(again.values).containsExactly(new Person("bob"));
        assertThat(again.byName.get("c")).containsExactly(new Person("cy"));
        assertThat(again.array).containsExactly(new Person("di"));
    }

    @Test
    void aFieldWhoseTypeVariableTheViewClassDoesNotResolveIsRejectedNamingTheField() {
        assertThatIllegalArgumentException().isThrownBy(() -> views.typeOf(Holder.class))
                .withMessageContaining("@Stashed field " + Holder.class.getName() + ".value")
                .withMessageContaining("type variable T of Holder");
        assertThatIllegalArgumentException().isThrownBy(() -> views.typeOf(RawPeople.class))
                .withMessageContaining("@Stashed field " + Generic.class.getName() + ".value")
                .withMessageContaining(RawPeople.class.getName() + " does not say what type variable T of Generic");
    }

    @Test
    void changedFieldsAreStashedAndRecoveredWithTheirDeclaredTypes() {
        Draft draft = new Draft();
        ViewBinding binding = recover(draft);
        assertThat(binding.status()).isEqualTo(RecoveryStatus.NOT_FOUND);
        assertThat(binding.hasChanges()).isFalse();
        draft.tags.add("a");  // mutating a collection is a change
        draft.number = 5;
        assertThat(binding.hasChanges()).isTrue();
        binding.stashNow();
        assertThat(binding.hasChanges()).isFalse();

        Draft again = new Draft();
        ViewBinding recovered = recover(again);
        assertThat(recovered.status()).isEqualTo(RecoveryStatus.RECOVERED);
        assertThat(again.tags).containsExactly("a");
        assertThat(again.number).isEqualTo(5);
        assertThat(again.owner).isEqualTo("nobody");
    }

    @Test
    void assigningAnEqualValueIsNotAChangeAndWritesNothing() {
        Draft draft = new Draft();
        ViewBinding binding = recover(draft);
        draft.owner = new String("nobody");
        draft.tags = new ArrayList<>();
        long puts = storage.count(Operation.PUT);
        binding.stashNow();
        assertThat(storage.count(Operation.PUT)).isEqualTo(puts);
    }

    @Test
    void onlyTheChangedKeysAreSentSoAnotherTabsKeysSurvive() {
        Draft tab1 = new Draft();
        Draft tab2 = new Draft();
        ViewBinding b1 = recover(tab1);
        ViewBinding b2 = recover(tab2);
        tab1.owner = "ada";
        b1.stashNow();
        tab2.number = 9;
        b2.stashNow();
        Draft later = new Draft();
        recover(later);
        assertThat(later.owner).isEqualTo("ada");
        assertThat(later.number).isEqualTo(9);
    }

    @Test
    void resetRemovesTheStoredSliceAndRestoresTheDefaults() {
        Draft draft = new Draft();
        ViewBinding binding = recover(draft);
        draft.owner = "ada";
        draft.tags.add("x");
        binding.stashNow();
        binding.reset();
        assertThat(draft.owner).isEqualTo("nobody");
        assertThat(draft.tags).isEmpty();
        assertThat(binding.hasChanges()).isFalse();
        Draft later = new Draft();
        ViewBinding again = recover(later);
        assertThat(again.status()).isEqualTo(RecoveryStatus.NOT_FOUND);
    }

    @Test
    void aSliceStoredUnderAnOlderVsnIsMigratedByTheViewsMigratorOrDroppedWithout() {
        ViewDefinition v1 = ViewDefinition.builder("legacy").vsn(1).key("clicks", int.class).build();
        adapter.stash(sid, v1, Map.of("clicks", 4)).toCompletableFuture().join();

        StashedViews withoutMigrator = new StashedViews(settings, List.of());
        Legacy dropped = new Legacy();
        ViewBinding none = ViewBinding.recover(withoutMigrator.typeOf(Legacy.class), dropped, sid, MountKind.FRESH,
                adapter, TIMEOUT);
        assertThat(none.status()).isEqualTo(RecoveryStatus.NOT_FOUND);
        assertThat(dropped.count).isZero();

        String otherSid = SessionIds.newSid();
        adapter.stash(otherSid, v1, Map.of("clicks", 4)).toCompletableFuture().join();
        ViewMigrator migrator = ViewMigrator.of(Legacy.class, (storedVsn, data) -> {
            data.put("count", data.path("clicks").asInt() * 10);
            data.remove("clicks");
            return data;
        });
        StashedViews withMigrator = new StashedViews(settings, List.of(migrator));
        Legacy migrated = new Legacy();
        ViewBinding binding = ViewBinding.recover(withMigrator.typeOf(Legacy.class), migrated, otherSid, MountKind.FRESH,
                adapter, TIMEOUT);
        assertThat(binding.status()).isEqualTo(RecoveryStatus.RECOVERED);
        assertThat(migrated.count).isEqualTo(40);
    }

    @Test
    void aRecoveryErrorKeepsTheDefaultsAndReportsTheStatus() {
        logs.expect(Level.WARN, "recover failed, the view keeps its defaults");
        Draft draft = new Draft();
        draft.owner = "ada";
        recover(draft).stashNow();
        adapter.close(); // drop the cached document so the next recover reads storage
        StashAdapter fresh = new StashAdapter(storage, settings);
        try {
            storage.failNext(Operation.GET, 100);
            Draft broken = new Draft();
            ViewBinding binding = ViewBinding.recover(views.typeOf(Draft.class), broken, sid, MountKind.FRESH, fresh,
                    TIMEOUT);
            assertThat(binding.status()).isEqualTo(RecoveryStatus.ERROR);
            assertThat(binding.recovery().error()).isPresent();
            assertThat(broken.owner).isEqualTo("nobody");
        } finally {
            storage.clearFaults();
            fresh.close();
        }
    }

    @Test
    void stashAndResetWaitNoLongerThanTheOperationTimeoutWhenStorageNeverAnswersAWrite() {
        Duration timeout = Duration.ofMillis(300);
        StashSettings stalling = StashSettings.builder().secret("a-secret-of-at-least-thirty-two-bytes!!")
                .operationTimeout(timeout).build();
        try (StashAdapter engine = new StashAdapter(new UnansweredStorage(storage, false), stalling)) {
            Draft draft = new Draft();
            ViewBinding binding = ViewBinding.recover(views.typeOf(Draft.class), draft, sid, MountKind.FRESH, engine,
                    timeout);
            draft.owner = "ada";
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(binding::stashNow)
                    .isInstanceOf(StashTimeoutException.class).hasMessageContaining("view 'Draft'"));
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(binding::reset)
                    .isInstanceOf(StashTimeoutException.class));
        }
    }

    @Test
    void aRecoverWaitsNoLongerThanTheOperationTimeoutWhenStorageNeverAnswersARead() throws InterruptedException {
        logs.expect(Level.WARN, "recover failed, the view keeps its defaults");
        Duration timeout = Duration.ofMillis(300);
        StashSettings stalling = StashSettings.builder().secret("a-secret-of-at-least-thirty-two-bytes!!")
                .operationTimeout(timeout).build();
        try (StashAdapter engine = new StashAdapter(new UnansweredStorage(storage, true), stalling)) {
            Draft draft = new Draft();
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                // The engine's own deadline answers ERROR; should it not, the binding's bound throws.
                try {
                    ViewBinding binding = ViewBinding.recover(views.typeOf(Draft.class), draft, sid, MountKind.FRESH,
                            engine, timeout);
                    assertThat(binding.status()).isEqualTo(RecoveryStatus.ERROR);
                    assertThat(binding.recovery().error()).containsInstanceOf(StashTimeoutException.class);
                } catch (StashTimeoutException expected) {
                    assertThat(expected).hasMessageContaining("recover of view 'Draft'");
                }
            });
            assertThat(draft.owner).isEqualTo("nobody");
            // The caller's deadline and the storage call's end together; the engine logs the failed
            // read when the storage call's fires, which can be just after the caller was answered.
            long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (logs.messages(Level.WARN).stream().noneMatch((line) -> line.contains("recover failed"))
                    && System.nanoTime() < giveUp) {
                Thread.sleep(10);
            }
        }
    }

    /** Storage whose writes (and, if asked, reads) are never answered: a stalled storage call. */
    private static final class UnansweredStorage implements StorageBackend {

        private final StorageBackend reads;
        private final boolean stallReads;

        UnansweredStorage(StorageBackend reads, boolean stallReads) {
            this.reads = reads;
            this.stallReads = stallReads;
        }

        @Override
        public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
            return stallReads ? new CompletableFuture<>() : reads.get(key, ifNoneMatch);
        }

        @Override
        public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
            return new CompletableFuture<>();
        }

        @Override
        public CompletionStage<Boolean> delete(String key, @Nullable String ifMatch) {
            return new CompletableFuture<>();
        }
    }

    static class Base {
        @Stashed String owner = "nobody";
    }

    @StashedView(vsn = 3)
    static class Draft extends Base {
        @Stashed(scope = Scope.RECONNECT) String text;
        @Stashed List<String> tags = new ArrayList<>();
        @Stashed(name = "n") long number;
        String notStashed = "x";
    }

    record Person(String name) {
    }

    /** A generic superclass: {@code T} is what the view class below says. */
    static class Generic<T, I> {
        @Stashed T value;
        @Stashed List<T> values = new ArrayList<>();
        @Stashed Map<String, List<T>> byName = new java.util.HashMap<>();
        @Stashed I[] array;
    }

    /** Passes its own type variable on: {@code Generic}'s {@code I} is {@code A}. */
    static class Between<A> extends Generic<Person, A> {
        @Stashed String owner = "nobody";
    }

    static class PersonView extends Between<Person> {
    }

    /** A view class with a type variable of its own: nothing says what {@code T} is. */
    static class Holder<T> {
        @Stashed T value;
    }

    /** Extends the generic class raw: {@code T} stays unknown. */
    @SuppressWarnings("rawtypes")
    static class RawPeople extends Generic {
    }

    @StashedView
    static class FinalField {
        @Stashed final int x = 1;
    }

    @StashedView(name = "shared")
    static class Named {
        @Stashed int a;
    }

    @StashedView(name = "shared")
    static class SameName {
        @Stashed int b;
    }

    @StashedView(name = "legacy", vsn = 2)
    static class Legacy {
        @Stashed int count;
    }
}
