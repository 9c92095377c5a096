package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Recovered values are the caller's own: a recover of an unchanged slice may hand out the instance an
 * earlier recover decoded only when nobody can change it.
 */
class RecoveredValuesTests {

    enum Colour { RED, GREEN }

    /** A mutable bean. */
    public static class Cart {
        public List<String> items = new ArrayList<>();
    }

    static final Type STRING_LIST = listOf(String.class);

    static final ViewDefinition VIEW = ViewDefinition.builder("values")
            .key("name", String.class).key("count", Integer.class).key("colour", Colour.class)
            .key("at", Instant.class).key("tags", STRING_LIST).key("cart", Cart.class).key("raw", int[].class)
            .build();

    final MapStorageBackend store = new MapStorageBackend();
    final String sid = SessionIds.newSid();

    private Map<String, Object> values() {
        Cart cart = new Cart();
        cart.items.add("apple");
        return Map.of("name", "Ada", "count", 3, "colour", Colour.GREEN, "at", Instant.parse("2026-12-03T10:15:30Z"),
                "tags", List.of("a", "b"), "cart", cart, "raw", new int[] {1, 2});
    }

    @Test
    void aCallerChangingItsMutableValuesChangesNoOtherCallers() throws Exception {
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().revalidateOnMount(false).build())) {
            await(adapter.stash(sid, VIEW, values()));
            Recovery first = await(adapter.recover(sid, VIEW, MountKind.REJOIN));
            List<String> tags = first.get("tags");
            tags.add("changed by the first caller");
            Cart cart = first.get("cart");
            cart.items.clear();
            int[] raw = first.get("raw");
            raw[0] = 99;

            Recovery second = await(adapter.recover(sid, VIEW, MountKind.REJOIN));
            assertThat(second.<List<String>>get("tags")).containsExactly("a", "b").isNotSameAs(tags);
            assertThat(second.<Cart>get("cart").items).containsExactly("apple");
            assertThat(second.<int[]>get("raw")).containsExactly(1, 2);
            assertThat(second.<String>get("name")).isEqualTo("Ada");
            assertThat(second.<Integer>get("count")).isEqualTo(3);
            assertThat(second.<Colour>get("colour")).isEqualTo(Colour.GREEN);
            assertThat(second.<Instant>get("at")).isEqualTo(Instant.parse("2026-12-03T10:15:30Z"));
        }
    }

    @Test
    void aStashOfOneKeyIsRecoveredBesideTheUnchangedOnes() throws Exception {
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().revalidateOnMount(false).build())) {
            await(adapter.stash(sid, VIEW, values()));
            await(adapter.recover(sid, VIEW, MountKind.REJOIN));
            await(adapter.stash(sid, VIEW, Map.of("name", "Grace")));
            await(adapter.stash(sid, VIEW, Map.of(), List.of("count")));
            Recovery after = await(adapter.recover(sid, VIEW, MountKind.REJOIN));
            assertThat(after.<String>get("name")).isEqualTo("Grace");
            assertThat(after.has("count")).isFalse();
            assertThat(after.<Colour>get("colour")).isEqualTo(Colour.GREEN);
            assertThat(after.<List<String>>get("tags")).containsExactly("a", "b");
        }
    }

    /** Two definitions of one view that declare a key with different types each get their own type. */
    @Test
    void eachDeclaredTypeGetsItsOwnValue() throws Exception {
        ViewDefinition asLong = ViewDefinition.builder("values").key("count", Long.class).build();
        ViewDefinition asText = ViewDefinition.builder("values").key("count", String.class).build();
        try (StashAdapter adapter = new StashAdapter(store, Engines.settings().revalidateOnMount(false).build())) {
            await(adapter.stash(sid, VIEW, values()));
            assertThat(await(adapter.recover(sid, VIEW, MountKind.REJOIN)).<Object>get("count")).isEqualTo(3);
            assertThat(await(adapter.recover(sid, asLong, MountKind.REJOIN)).<Object>get("count")).isEqualTo(3L);
            assertThat(await(adapter.recover(sid, asText, MountKind.REJOIN)).<Object>get("count")).isEqualTo("3");
            assertThat(await(adapter.recover(sid, VIEW, MountKind.REJOIN)).<Object>get("count")).isEqualTo(3);
        }
    }

    private static Type listOf(Class<?> element) {
        return new ParameterizedType() {
            @Override
            public Type[] getActualTypeArguments() {
                return new Type[] {element};
            }

            @Override
            public Type getRawType() {
                return List.class;
            }

            @Override
            public Type getOwnerType() {
                return null;
            }
        };
    }
}
