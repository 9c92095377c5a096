package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.durablestash.core.SessionIds;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

/**
 * {@link ViewBinding#savepoint()}: what a Spring MVC include that failed leaves of a view the including
 * handler stashes afterwards. Its changes are dropped; what it stored (a stash, a reset) stays stored.
 */
class SavepointTests extends BindingTestSupport {

    @StashedView(name = "savepoint-tally")
    static class Tally {
        @Stashed int count;
        @Stashed String note;
        @Stashed List<String> items = new ArrayList<>();
    }

    @Test
    void theFieldsGoBackToWhatTheyWereAtTheSavepointAlsoAListChangedInPlace() {
        Tally tally = new Tally();
        ViewBinding binding = recover(tally, SessionIds.newSid());
        tally.count = 1;
        tally.items.add("before");

        Runnable rollBack = binding.savepoint();
        tally.count = 2;
        tally.note = "failed";
        tally.items.add("failed");
        rollBack.run();

        assertThat(tally.count).isEqualTo(1);
        assertThat(tally.note).isNull();
        assertThat(tally.items).containsExactly("before");
        assertThat(binding.changedKeys()).as("the changes made before the savepoint are still to stash")
                .containsExactlyInAnyOrder("count", "items");
    }

    @Test
    void aKeyStashedSinceTheSavepointKeepsTheStoredValue() {
        String sid = SessionIds.newSid();
        Tally tally = new Tally();
        ViewBinding binding = recover(tally, sid);
        tally.count = 1;

        Runnable rollBack = binding.savepoint();
        tally.count = 2;
        binding.stashNow();
        tally.count = 3;
        tally.note = "failed";
        rollBack.run();

        assertThat(tally.count).as("the stored value, not the one before the savepoint").isEqualTo(2);
        assertThat(tally.note).isNull();
        assertThat(binding.hasChanges()).isFalse();
        Tally stored = new Tally();
        recover(stored, sid);
        assertThat(stored.count).isEqualTo(2);
    }

    @Test
    void aResetSinceTheSavepointStays() {
        String sid = SessionIds.newSid();
        Tally first = new Tally();
        ViewBinding stored = recover(first, sid);
        first.count = 5;
        first.note = "kept";
        stored.stashNow();
        Tally tally = new Tally();
        ViewBinding binding = recover(tally, sid);

        Runnable rollBack = binding.savepoint();
        binding.reset();
        tally.count = 7;
        rollBack.run();

        assertThat(tally.count).as("the default the reset stored").isZero();
        assertThat(tally.note).isNull();
        assertThat(binding.hasChanges()).isFalse();
    }
}
