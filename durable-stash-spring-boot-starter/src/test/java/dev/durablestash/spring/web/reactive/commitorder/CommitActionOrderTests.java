package dev.durablestash.spring.web.reactive.commitorder;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The views' stash runs as the response commits, after the commit actions the application registered before
 * the first view was bound (the web filters' after the starter's, a route's before its recover), as it
 * always did: a filter's action that rejects the response stops the stash, and a route's action that changes
 * the view is stashed. (Registering the stash as the exchange started, ahead of them, broke both.)
 */
@SpringBootTest(classes = CommitOrderTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory" })
class CommitActionOrderTests {

    @LocalServerPort
    int port;

    private WebTestClient client() {
        return WebTestClient.bindToServer().baseUrl("http://localhost:" + port).responseTimeout(Duration.ofSeconds(30))
                .build();
    }

    @Test
    void aResponseAFiltersCommitActionRejectsStashesNothing() {
        WebTestClient client = client();
        EntityExchangeResult<String> first = client.post().uri("/counter/increment-body").exchange()
                .expectBody(String.class).returnResult();
        assertThat(first.getResponseBody()).isEqualTo("1");
        String sid = first.getResponseCookies().getFirst("sid").getValue();

        EntityExchangeResult<String> rejected = client.post().uri("/counter/increment-body").cookie("sid", sid)
                .header("X-Reject-At-Commit", "yes").exchange().expectBody(String.class).returnResult();
        assertThat(rejected.getStatus().value()).isEqualTo(409);

        String after = client.get().uri("/counter").cookie("sid", sid).exchange().expectBody(String.class)
                .returnResult().getResponseBody();
        assertThat(after).as("the change of the rejected exchange is not stored").startsWith("count=1;");
    }

    @Test
    void aRoutesCommitActionRegisteredBeforeItsRecoverIsStashed() {
        WebTestClient client = client();
        String sid = client.get().uri("/tally").exchange().expectBody(String.class).returnResult()
                .getResponseCookies().getFirst("sid").getValue();

        client.post().uri("/tally/add-with-commit-action").cookie("sid", sid).exchange().expectStatus().isOk();

        assertThat(client.get().uri("/tally").cookie("sid", sid).exchange().expectBody(String.class).returnResult()
                .getResponseBody()).isEqualTo("total=6");
    }
}
