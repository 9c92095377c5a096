package dev.durablestash.spring.web.servlet;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An include whose handler lookup fails (here a POST include of a GET-only path: the mapping throws
 * HttpRequestMethodNotSupportedException before any handler, or the starter's interceptor, runs) is answered
 * by the exception resolvers inside the include; the including handler goes on and returns normally. Its own
 * change must be stashed, as when an included handler throws (see StashedViewsMvcIntegrationTests).
 */
class FailedIncludeLookupMvcTests extends RunningMvcTestApp {

    @Test
    void anIncludeWhoseHandlerLookupFailsDoesNotDropTheIncludingHandlersChange() {
        browser.get("/forward");

        HttpResponse<String> including = browser.post("/forward/increment-then-include", "path=/forward", REJOIN);
        assertThat(including.statusCode()).isEqualTo(200);
        assertThat(including.body()).as("the including handler still sees its own change after the include")
                .endsWith("|forwards=1");
        assertThat(browser.get("/forward", REJOIN).body())
                .as("the including handler's change, answered with 200, is stored")
                .isEqualTo("forwards=1");
    }
}
