package dev.durablestash.spring.web.reactive.viewturns;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.durablestash.testsupport.ExpectedLogs;

/**
 * A functional route that fails, its error answered by the route builder's {@code onError} (the functional
 * counterpart of an {@code @ExceptionHandler}): StashedRoutes says "a handler that fails stashes nothing", as an
 * annotated handler whose error an {@code @ExceptionHandler} answered.
 */
@SpringBootTest(classes = ViewTurnsApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=2s" })
class RouteOnErrorTests extends ViewTurnsSession {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @BeforeEach
    void open() {
        startSession("/r/show");
    }

    @Test
    @Disabled("open: the error the route's onError answers never reaches the starter (a Mono operator of the "
            + "route's own), so the handler counts as answered and its change is stashed; StashedRoutes says so")
    void aFailedRouteWhoseErrorOnErrorAnswersStashesNothing() {
        EntityExchangeResult<String> failed = client.post().uri("/o/add-and-fail").header("Cookie", "sid=" + sid)
                .header("X-Stash-Mounts", "1").exchange().expectBody(String.class).returnResult();
        assertThat(failed.getStatus().value()).isEqualTo(409);
        assertThat(client.get().uri("/r/show").header("Cookie", "sid=" + sid).header("X-Stash-Mounts", "1").exchange()
                .expectBody(String.class).returnResult().getResponseBody())
                .as("the failed handler's change (count += 100) is not stashed").isEqualTo("count=0");
    }
}
