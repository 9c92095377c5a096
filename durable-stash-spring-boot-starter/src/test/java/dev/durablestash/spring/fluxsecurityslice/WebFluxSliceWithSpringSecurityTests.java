package dev.durablestash.spring.fluxsecurityslice;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration;
import org.springframework.boot.webflux.test.autoconfigure.WebFluxTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The WebFlux side of {@code WebMvcSliceWithSpringSecurityTests}: docs/spring.md says "{@code @WebFluxTest}
 * slices include the integration", and with Spring Security WebFlux that includes
 * {@code DurableStashReactiveSecurityAutoConfiguration}, which the starter lists for
 * {@code @AutoConfigureWebTestClient} (part of {@code @WebFluxTest}), where Spring Boot lists Spring
 * Security WebFlux's own: the browser session is bound to the principal of the reactive security
 * context, so bob, sending ada's sid cookie, reads nothing of hers, as in the application.
 *
 * <p>Spring Boot puts Spring Security WebFlux's auto-configuration into such slices through
 * {@code spring-boot-security-test}; the slice here imports it itself, and the app's security
 * configuration, as slice tests are told to.
 */
@WebFluxTest(SecuredFluxNotesApplication.NotesController.class)
@Import(SecuredFluxNotesApplication.SecurityConfiguration.class)
@ImportAutoConfiguration({ ReactiveWebSecurityAutoConfiguration.class, ReactiveUserDetailsServiceAutoConfiguration.class })
class WebFluxSliceWithSpringSecurityTests {

    @Autowired
    WebTestClient client;

    @Test
    void aSidThatAdaUsedGivesBobNothingInASliceAsInTheApp() {
        client.get().uri("/notes").headers((h) -> h.setBasicAuth("ada", "wrong")).exchange()
                .expectStatus().isUnauthorized(); // Spring Security runs in the slice
        ResponseCookie adas = client.post().uri("/notes?note=ada-secret").headers((h) -> h.setBasicAuth("ada", "ada-pw"))
                .exchange().expectStatus().isOk().returnResult(String.class).getResponseCookies().getFirst("sid");

        client.get().uri("/notes").cookie("sid", adas.getValue()).headers((h) -> h.setBasicAuth("bob", "bob-pw"))
                .exchange().expectBody(String.class).isEqualTo("note=null");
    }
}
