package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class ViewDefinitionTests {

    @Test
    void defaults() {
        ViewDefinition view = ViewDefinition.builder("counter").build();
        assertThat(view.name()).isEqualTo("counter");
        assertThat(view.vsn()).isEqualTo(1);
        assertThat(view.keys()).isEmpty();
        assertThat(view.migrator()).isNull();
        assertThat(view.hasReconnectKeys()).isFalse();
    }

    @Test
    void keysKeepTheirDeclarationOrderTypeAndScope() {
        Migrator migrator = (fromVsn, data) -> data;
        ViewDefinition view = ViewDefinition.builder("compose").vsn(3)
                .key("to", String.class)
                .key("draft", String.class, Scope.RECONNECT)
                .key("attachments", List.class, Scope.SESSION)
                .migrator(migrator)
                .build();
        assertThat(view.vsn()).isEqualTo(3);
        assertThat(view.keys()).containsOnlyKeys("to", "draft", "attachments");
        assertThat(view.keys().keySet()).containsExactly("to", "draft", "attachments");
        assertThat(view.key("to")).isEqualTo(new StoredKey("to", String.class, Scope.SESSION));
        assertThat(view.key("draft")).isEqualTo(new StoredKey("draft", String.class, Scope.RECONNECT));
        assertThat(view.key("nope")).isNull();
        assertThat(view.migrator()).isSameAs(migrator);
        assertThat(view.hasReconnectKeys()).isTrue();
    }

    @Test
    void keysAreUnmodifiable() {
        ViewDefinition view = ViewDefinition.builder("v").key("a", int.class).build();
        assertThatThrownBy(() -> view.keys().put("b", new StoredKey("b", int.class, Scope.SESSION)))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aBuiltViewDoesNotChangeWhenTheBuilderIsReused() {
        ViewDefinition.Builder builder = ViewDefinition.builder("v").key("a", int.class);
        ViewDefinition first = builder.build();
        builder.key("b", int.class).vsn(2);
        assertThat(first.keys()).containsOnlyKeys("a");
        assertThat(first.vsn()).isEqualTo(1);
    }

    @Test
    void aBlankNameFails() {
        for (String blank : List.of("", " ", "\t\n")) {
            assertThatThrownBy(() -> ViewDefinition.builder(blank))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("view name");
        }
        assertThatThrownBy(() -> ViewDefinition.builder(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("name");
    }

    /**
     * A name with half of a surrogate pair would be written as a JSON property name that the document's
     * reader refuses (the whole session would read as corrupt): refused here, saying why. A whole
     * pair (an emoji) is fine.
     */
    @Test
    void aNameOrKeyWithALoneSurrogateFails() {
        assertThatThrownBy(() -> ViewDefinition.builder("notes\uD83D"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("view name")
                .hasMessageContaining("surrogate");
        assertThatThrownBy(() -> ViewDefinition.builder("notes").key("\uDE00title", String.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'notes'")
                .hasMessageContaining("surrogate");
        ViewDefinition emoji = ViewDefinition.builder("notes \uD83D\uDE00").key("\uD83D\uDE00", String.class).build();
        assertThat(emoji.key("\uD83D\uDE00")).isNotNull();
    }

    @Test
    void aTooLongNameFailsNamingTheLimit() {
        assertThat(ViewDefinition.builder("v".repeat(ViewDefinition.MAX_NAME_LENGTH)).build().name()).hasSize(200);
        assertThatThrownBy(() -> ViewDefinition.builder("v".repeat(ViewDefinition.MAX_NAME_LENGTH + 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("view name")
                .hasMessageContaining("200");
    }

    /**
     * Key names are limited as view names are: a key name is a property name of the session document,
     * whose reader refuses names over 50,000 bytes (the whole document would read as corrupt).
     */
    @Test
    void aTooLongKeyNameFailsNamingTheViewTheLengthAndTheLimit() {
        String longest = "k".repeat(ViewDefinition.MAX_NAME_LENGTH);
        assertThat(ViewDefinition.builder("v").key(longest, int.class).build().key(longest)).isNotNull();
        for (int length : new int[] {ViewDefinition.MAX_NAME_LENGTH + 1, 60_000}) {
            assertThatThrownBy(() -> ViewDefinition.builder("counter").key("k".repeat(length), int.class))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'counter'")
                    .hasMessageContaining(String.valueOf(length))
                    .hasMessageContaining("200");
        }
    }

    @Test
    void aVsnBelowOneFailsNamingTheViewAndTheValue() {
        for (int bad : new int[] {0, -1, Integer.MIN_VALUE}) {
            assertThatThrownBy(() -> ViewDefinition.builder("counter").vsn(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("vsn")
                    .hasMessageContaining("'counter'")
                    .hasMessageContaining(String.valueOf(bad));
        }
        assertThat(ViewDefinition.builder("counter").vsn(Integer.MAX_VALUE).build().vsn()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void aDuplicateKeyFailsNamingViewAndKey() {
        ViewDefinition.Builder builder = ViewDefinition.builder("counter").key("count", int.class);
        assertThatThrownBy(() -> builder.key("count", long.class, Scope.RECONNECT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'counter'")
                .hasMessageContaining("'count'")
                .hasMessageContaining("twice");
        // The first declaration stands.
        assertThat(builder.build().key("count")).isEqualTo(new StoredKey("count", int.class, Scope.SESSION));
    }

    @Test
    void aStoredKeyNeedsANameATypeAndAScope() {
        assertThatThrownBy(() -> ViewDefinition.builder("v").key(" ", int.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stored key name");
        assertThatThrownBy(() -> ViewDefinition.builder("v").key("k", null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("type");
        assertThatThrownBy(() -> ViewDefinition.builder("v").key("k", int.class, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("scope");
        assertThatThrownBy(() -> ViewDefinition.builder("v").key(null, int.class))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("name");
    }

    @Test
    void toStringNamesTheViewVsnAndKeys() {
        assertThat(ViewDefinition.builder("counter").vsn(2).key("count", int.class).build().toString())
                .contains("counter").contains("vsn=2").contains("count");
    }
}
