package dev.durablestash.spring.principalbinding;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

import dev.durablestash.spring.security.SecurityContextPrincipalResolver;
import dev.durablestash.spring.web.servlet.PrincipalResolver;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;

/**
 * A new user follows the docs ("define a PrincipalResolver bean to tell principals apart by something
 * else") with Spring Security and writes the natural resolver: the request's user principal, mapped to
 * a stable id. The resolver is given the request as the sid filter saw it, before Spring Security's
 * chain wrapped it, so getUserPrincipal() is always null: the binding is silently off, and the
 * shared-browser protection with it.
 */
@SpringBootTest(classes = { BindingTestApplication.class, PrincipalBindingCustomResolverMvcIntegrationTests.Resolver.class },
        webEnvironment = WebEnvironment.RANDOM_PORT, properties = "durable-stash.storage.type=memory")
class PrincipalBindingCustomResolverMvcIntegrationTests {

    @TestConfiguration(proxyBeanMethods = false)
    static class Resolver {

        @Bean
        PrincipalResolver userIdResolver() {
            return new SecurityContextPrincipalResolver((authentication) -> "user-id:" + authentication.getName());
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    @BeforeEach
    void setUp() {
        ((InMemoryStorageBackend) backend).clear();
    }

    @Test
    void anAnonymousVisitorDoesNotSeeTheStateOfTheUserWhoseHttpSessionExpired() throws Exception {
        CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
        HttpClient client = HttpClient.newBuilder().cookieHandler(cookies).followRedirects(HttpClient.Redirect.NEVER).build();
        URI base = URI.create("http://localhost:" + port);
        assertThat(post(client, base, "/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        post(client, base, "/notes", "note=ada's secret");
        cookies.getCookieStore().getCookies().stream().filter((c) -> c.getName().equals("JSESSIONID")).toList()
                .forEach((c) -> cookies.getCookieStore().remove(base, c));
        String sid = cookies.getCookieStore().get(base).stream().filter((c) -> c.getName().equals("sid"))
                .map(HttpCookie::getValue).findFirst().orElseThrow();

        HttpResponse<String> anonymous = client.send(HttpRequest.newBuilder(base.resolve("/notes")).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(anonymous.body()).as("what the anonymous visitor sees").isEqualTo("note=null");
        assertThat(sid).as("ada's cookie, bound to her").hasSize(89);
    }

    private static HttpResponse<String> post(HttpClient client, URI base, String path, String form)
            throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
