package dev.durablestash.spring.web.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.durablestash.spring.web.servlet.testapp.Gate;

/**
 * A forward to an asynchronous handler hands on the turns of the views it does not bind when its
 * asynchronous processing starts; a handler its result forwards to that changes one of them again
 * waits for the turn again and starts from what was stored meanwhile. Seen failing before: the view
 * stayed bound, and that handler changed it without the turn, from the state recovered before
 * (forwards=2 after three increments).
 */
class AsyncForwardBackMvcTests extends RunningMvcTestApp {

    @BeforeEach
    void arm() {
        Gate.arm();
    }

    @Test
    void anAsyncResultThatForwardsBackToTheForwardingViewLosesNoIncrement() throws Exception {
        browser.get("/forward");
        CompletableFuture<HttpResponse<String>> first = browser.postAsync(
                "/forward/increment-then-forward-to-async-forwarding-back", "", REJOIN);
        Gate.awaitEntered(); // forwards=1 stashed before the forward; the callable's result is pending

        HttpResponse<String> other = browser.postAsync("/forward/increment", "", REJOIN).get(30, TimeUnit.SECONDS);
        assertThat(other.body()).as("another request got the turn that was handed on").isEqualTo("forwards=2");

        Gate.open();
        HttpResponse<String> answered = first.get(30, TimeUnit.SECONDS);
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(browser.get("/forward", REJOIN).body()).as("three increments of one atomic view, none lost")
                .isEqualTo("forwards=3");
    }
}
