package dev.durablestash.spring.web.reactive;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A browser for the WebFlux tests: a cookie jar (the sid and the web session's cookie) that sends
 * every request as a page rejoining ({@code X-Stash-Mounts: 1}) and keeps the cookies each response sets or
 * clears. One request at a time.
 */
final class Browser {

    record Response(int status, @Nullable String body) {
    }

    private final int port;
    final Map<String, String> cookies = new LinkedHashMap<>();

    Browser(int port) {
        this.port = port;
    }

    /** @return another browser tab: the same cookies, from now on its own */
    Browser copy() {
        Browser copy = new Browser(port);
        copy.cookies.putAll(cookies);
        return copy;
    }

    /** @return another browser (a victim's) into which this one's sid cookie was planted, nothing else */
    Browser plantSidInNewBrowser() {
        Browser victim = new Browser(port);
        victim.cookies.put("sid", cookies.get("sid"));
        return victim;
    }

    String cookieHeader() {
        List<String> pairs = new ArrayList<>();
        cookies.forEach((name, value) -> pairs.add(name + "=" + value));
        return String.join("; ", pairs);
    }

    Response get(String path) {
        return exchange(HttpMethod.GET, path);
    }

    Response post(String path) {
        return exchange(HttpMethod.POST, path);
    }

    synchronized Response exchange(HttpMethod method, String path) {
        WebTestClient client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(30)).build();
        EntityExchangeResult<String> result = client.method(method).uri(path).headers(headers -> {
            if (!cookies.isEmpty()) {
                headers.add("Cookie", cookieHeader());
            }
            headers.add("X-Stash-Mounts", "1");
        }).exchange().expectBody(String.class).returnResult();
        for (List<ResponseCookie> set : result.getResponseCookies().values()) {
            for (ResponseCookie cookie : set) {
                if (cookie.getValue().isEmpty() || Duration.ZERO.equals(cookie.getMaxAge())) {
                    cookies.remove(cookie.getName());
                } else {
                    cookies.put(cookie.getName(), cookie.getValue());
                }
            }
        }
        return new Response(result.getStatus().value(), result.getResponseBody());
    }
}
