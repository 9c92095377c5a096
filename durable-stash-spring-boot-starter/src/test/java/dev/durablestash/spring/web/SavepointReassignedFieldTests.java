package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.durablestash.core.SessionIds;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

/**
 * The rollback of a failed include gives each changed collection field back the object it held when the
 * include started, refilled: not whatever object the include put there. Seen failing before: the rollback
 * refilled that object (another field's list, or a list from outside the view), and a field the include
 * reassigned kept the include's list, orphaning the including handler's reference.
 */
class SavepointReassignedFieldTests extends BindingTestSupport {

    @StashedView(name = "reassigned-lists")
    static class Lists {
        @Stashed List<String> all = new ArrayList<>(List.of("a", "b", "c"));
        @Stashed List<String> selected = new ArrayList<>(List.of("a"));
    }

    /** The include makes one field alias another, then fails: the rollback must not touch the other field. */
    @Test
    void rollingBackAFieldTheIncludeAliasedToAnotherFieldLeavesTheOtherFieldAlone() {
        Lists view = new Lists();
        ViewBinding binding = recover(view, SessionIds.newSid());

        Runnable rollBack = binding.savepoint();
        view.selected = view.all; // the included handler: "select all", then it throws
        rollBack.run();

        assertThat(view.all).as("a field the failed include did not change").containsExactly("a", "b", "c");
        assertThat(view.selected).containsExactly("a");
        assertThat(binding.changedKeys()).as("nothing to stash after the rollback").isEmpty();
    }

    /** The include replaces the field's list, then fails: the handler's list must be the field's again. */
    @Test
    void rollingBackAFieldTheIncludeReassignedGivesTheFieldItsOriginalListBack() {
        Lists view = new Lists();
        ViewBinding binding = recover(view, SessionIds.newSid());
        List<String> selected = view.selected; // the including handler's reference

        Runnable rollBack = binding.savepoint();
        view.selected = new ArrayList<>(List.of("x")); // the included handler replaces the list, then throws
        rollBack.run();

        selected.add("b"); // the including handler goes on
        assertThat(view.selected).as("the field holds the handler's list again").isSameAs(selected);
        assertThat(binding.changedKeys()).containsExactly("selected");
    }

    /** A list from outside the view (a shared default) that the failed include assigned must not be overwritten. */
    @Test
    void rollingBackDoesNotOverwriteAnOutsideListTheIncludeAssigned() {
        Lists view = new Lists();
        ViewBinding binding = recover(view, SessionIds.newSid());
        List<String> shared = new ArrayList<>(List.of("default-1", "default-2")); // e.g. a singleton bean's list

        Runnable rollBack = binding.savepoint();
        view.selected = shared;
        rollBack.run();

        assertThat(shared).as("the outside list").containsExactly("default-1", "default-2");
    }

    @StashedView(name = "rolled-back-ordered-set")
    static class Tags {
        @Stashed Set<String> tags = new LinkedHashSet<>(List.of("zeta", "alpha", "mid"));
    }

    /** The include adds to an insertion-ordered set in place, then fails: the rollback must keep the order. */
    @Test
    void rollingBackAnInsertionOrderedSetKeepsItsOrder() {
        Tags view = new Tags();
        ViewBinding binding = recover(view, SessionIds.newSid());

        Runnable rollBack = binding.savepoint();
        view.tags.add("new");
        rollBack.run();

        assertThat(view.tags).containsExactly("zeta", "alpha", "mid");
        assertThat(binding.changedKeys()).as("nothing to stash after the rollback").isEmpty();
    }
}
