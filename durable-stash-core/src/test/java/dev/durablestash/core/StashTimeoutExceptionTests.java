package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** What a timed-out request's log line and error say: the view, the deadline in plain units, the cause. */
class StashTimeoutExceptionTests {

    @Test
    void anOperationThatTimedOutNamesTheViewAndTheDeadline() {
        assertThat(new StashTimeoutException("counter", "stash", Duration.ofSeconds(10)))
                .hasMessage("stash of view 'counter' did not complete within 10 s (operation-timeout)");
        assertThat(new StashTimeoutException("counter", "recover", Duration.ofMillis(2500)))
                .hasMessage("recover of view 'counter' did not complete within 2500 ms (operation-timeout)");
    }

    @Test
    void aTurnNotGrantedSaysAnotherRequestOfTheSessionHeldIt() {
        assertThat(StashTimeoutException.turnNotGranted("counter", Duration.ofMillis(500)))
                .hasMessage("view 'counter' is atomic, and another request of the same browser session held its turn "
                        + "for longer than 500 ms (operation-timeout); nothing was recovered or stashed for this request");
    }
}
