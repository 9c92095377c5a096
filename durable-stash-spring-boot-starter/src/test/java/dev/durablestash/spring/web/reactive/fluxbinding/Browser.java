package dev.durablestash.spring.web.reactive.fluxbinding;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/** A browser for a running app: a cookie jar, optional HTTP Basic credentials and an optional tossed cookie. */
final class Browser {

    /** A response: its status, body and the cookies it set. */
    record Response(int status, @Nullable String body, List<ResponseCookie> cookies) {
    }

    private final int port;

    final Map<String, String> cookies = new LinkedHashMap<>();
    @Nullable String authorization;
    @Nullable String tossed;

    Browser(int port) {
        this.port = port;
    }

    Browser copy() {
        Browser copy = new Browser(port);
        copy.cookies.putAll(cookies);
        copy.authorization = authorization;
        return copy;
    }

    void basic(String user, String password) {
        authorization = "Basic " + Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    void login(String user, String password) {
        Response login = exchange(HttpMethod.POST, "/login", "username=" + user + "&password=" + password);
        assertThat(login.status()).as("the login of " + user).isEqualTo(302);
        take(login);
    }

    Response get(String path) {
        return take(exchange(HttpMethod.GET, path, null));
    }

    Response post(String path) {
        return take(exchange(HttpMethod.POST, path, null));
    }

    Response exchange(HttpMethod method, String path, @Nullable String form) {
        WebTestClient client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(30)).build();
        WebTestClient.RequestBodySpec request = client.method(method).uri(path).headers(headers -> {
            List<String> pairs = new ArrayList<>();
            cookies.forEach((name, value) -> pairs.add(name + "=" + value));
            if (tossed != null) {
                pairs.add(tossed);
            }
            if (!pairs.isEmpty()) {
                headers.add("Cookie", String.join("; ", pairs));
            }
            if (authorization != null) {
                headers.add("Authorization", authorization);
            }
        });
        WebTestClient.RequestHeadersSpec<?> ready = form == null ? request
                : request.contentType(MediaType.APPLICATION_FORM_URLENCODED).bodyValue(form);
        EntityExchangeResult<String> result = ready.exchange().expectBody(String.class).returnResult();
        List<ResponseCookie> set = new ArrayList<>();
        result.getResponseCookies().values().forEach(set::addAll);
        return new Response(result.getStatus().value(), result.getResponseBody(), set);
    }

    Response take(Response response) {
        for (ResponseCookie cookie : response.cookies()) {
            if (cookie.getValue().isEmpty() || Duration.ZERO.equals(cookie.getMaxAge())) {
                cookies.remove(cookie.getName());
            } else {
                cookies.put(cookie.getName(), cookie.getValue());
            }
        }
        return response;
    }
}
