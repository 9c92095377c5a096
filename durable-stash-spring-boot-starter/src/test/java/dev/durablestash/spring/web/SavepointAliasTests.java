package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.durablestash.core.SessionIds;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

/**
 * A failed include rolls back the views bound before it; a field it did not change keeps its object, and
 * a list it changed in place gets its content back in that list (seen failing before: a fresh copy).
 * Seen failing before: every mutable field got a fresh copy, so the including handler's reference to
 * its list pointed at an orphan, and what it added after the include was never stashed.
 */
class SavepointAliasTests extends BindingTestSupport {

    @StashedView(name = "aliased-basket")
    static class Basket {
        @Stashed List<String> items = new ArrayList<>();
    }

    @Test
    void aListTheFailedIncludeNeverTouchedIsStillTheFieldsListAfterTheRollBack() {
        Basket basket = new Basket();
        ViewBinding binding = recover(basket, SessionIds.newSid());
        List<String> items = basket.items; // the including handler's reference

        Runnable rollBack = binding.savepoint(); // the include starts
        rollBack.run(); // the included handler (of another view, say) failed

        items.add("added after the include");
        assertThat(basket.items).as("the field still holds the handler's list").isSameAs(items);
        assertThat(binding.changedKeys()).as("the handler's change after the include is to be stashed")
                .containsExactly("items");
    }

    @Test
    void aListTheFailedIncludeMutatedInPlaceIsStillTheFieldsListAfterTheRollBack() {
        Basket basket = new Basket();
        ViewBinding binding = recover(basket, SessionIds.newSid());
        List<String> items = basket.items; // the including handler's reference

        Runnable rollBack = binding.savepoint(); // the include starts
        basket.items.add("from the failed include"); // the included handler adds to the same list, then throws
        rollBack.run();

        items.add("added after the include");
        assertThat(basket.items).as("the field still holds the handler's list").isSameAs(items)
                .containsExactly("added after the include");
        assertThat(binding.changedKeys()).as("the handler's change after the include is to be stashed")
                .containsExactly("items");
    }
}
