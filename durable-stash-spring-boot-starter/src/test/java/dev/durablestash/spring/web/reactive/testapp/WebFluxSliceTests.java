package dev.durablestash.spring.web.reactive.testapp;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.durablestash.spring.web.reactive.SidWebFilter;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code @WebFluxTest} slice gets the starter's engine and reactive integration (the starter lists
 * them for the slice) and, with no storage configured, the test backend's in-memory storage: the
 * controller recovers, stashes and issues the cookie as in the application.
 */
@WebFluxTest(FluxCounterController.class)
class WebFluxSliceTests {

    @Autowired
    WebTestClient client;

    @Autowired
    StorageBackend storage;

    @Autowired
    SidWebFilter sidWebFilter;

    @Test
    void aSliceOfAStashedControllerRecoversAndStashesItsFields() {
        assertThat(storage).isInstanceOf(InMemoryStorageBackend.class);
        EntityExchangeResult<String> first = client.post().uri("/counter/increment-body").exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult();
        assertThat(first.getResponseBody()).isEqualTo("1");
        ResponseCookie sid = first.getResponseCookies().getFirst("sid");
        assertThat(sid).isNotNull();
        client.get().uri("/counter").cookie("sid", sid.getValue()).exchange()
                .expectBody(String.class).isEqualTo("count=1;draft=null");
        client.get().uri("/counter").exchange().expectBody(String.class).isEqualTo("count=0;draft=null");
    }
}
