package dev.durablestash.spring.securityslice;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import jakarta.servlet.http.Cookie;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.servlet.MockMvc;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * README, "Testing your app": a {@code @WebMvcTest} slice gets the starter's web integration "so a
 * stashed controller behaves there as in the app". With Spring Security in the app, that includes
 * {@code DurableStashSecurityAutoConfiguration}, which the starter lists for
 * {@code @AutoConfigureMockMvc} (part of {@code @WebMvcTest}), where Spring Boot lists Spring
 * Security's own: the browser session is bound to the principal of the security context, so bob,
 * sending the sid cookie ada's request got, reads nothing of hers, as in the application
 * ({@code PrincipalBindingMvcIntegrationTests} shows the app's side).
 *
 * <p>Spring Boot puts Spring Security's auto-configuration into {@code @WebMvcTest} slices through
 * {@code spring-boot-security-test} (its {@code AutoConfigureMockMvc.imports}); the slice here imports
 * the ones that build the filter chain itself, and the app's security configuration, as Spring Boot's
 * documentation tells slice tests to.
 */
@WebMvcTest(SecuredNotesApplication.NotesController.class)
@Import(SecuredNotesApplication.SecurityConfiguration.class)
@ImportAutoConfiguration({ SecurityAutoConfiguration.class, ServletWebSecurityAutoConfiguration.class,
        SecurityFilterAutoConfiguration.class })
class WebMvcSliceWithSpringSecurityTests {

    @Autowired
    MockMvc mvc;

    @Test
    void aSidThatAdaUsedGivesBobNothingInASliceAsInTheApp() throws Exception {
        mvc.perform(get("/notes").header(HttpHeaders.AUTHORIZATION, basic("ada", "wrong")))
                .andExpect(status().isUnauthorized()); // Spring Security runs in the slice
        Cookie adas = mvc.perform(post("/notes").param("note", "ada's secret")
                .header(HttpHeaders.AUTHORIZATION, basic("ada", "ada-pw"))).andReturn().getResponse().getCookie("sid");

        mvc.perform(get("/notes").cookie(adas).header(HttpHeaders.AUTHORIZATION, basic("bob", "bob-pw")))
                .andExpect(content().string("note=null"));
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
