package dev.durablestash.spring.web.servlet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

/** A minimal browser for the tests: one cookie jar holding the sid cookie, no redirects followed. */
final class Browser {

    static final String REJOIN = "X-Stash-Mounts";

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    private final String base;
    private volatile @Nullable String sidCookie;

    Browser(int port) {
        this.base = "http://localhost:" + port;
    }

    @Nullable String sidCookie() {
        return sidCookie;
    }

    void setSidCookie(@Nullable String value) {
        this.sidCookie = value;
    }

    HttpResponse<String> get(String path, String... headers) {
        return join(send(HttpRequest.newBuilder(URI.create(base + path)).GET(), headers));
    }

    HttpResponse<String> post(String path, String form, String... headers) {
        return join(postAsync(path, form, headers));
    }

    CompletableFuture<HttpResponse<String>> postAsync(String path, String form, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        return send(builder, headers);
    }

    /** Posts {@code body} as {@code contentType}, e.g. a JSON document. */
    HttpResponse<String> postBody(String path, String contentType, String body, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        return join(send(builder, headers));
    }

    /** @return the Set-Cookie header for the sid cookie, or null */
    static @Nullable String sidSetCookie(HttpResponse<?> response) {
        List<String> values = response.headers().allValues("Set-Cookie");
        for (String value : values) {
            if (value.startsWith("sid=")) {
                return value;
            }
        }
        return null;
    }

    private CompletableFuture<HttpResponse<String>> send(HttpRequest.Builder builder, String... headers) {
        if (headers.length > 0) {
            builder.headers(headers);
        }
        String cookie = sidCookie;
        if (cookie != null) {
            builder.header("Cookie", "sid=" + cookie);
        }
        builder.timeout(Duration.ofSeconds(30)); // a request never answered fails the test instead of hanging the build
        return CLIENT.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofString()).thenApply((response) -> {
            String setCookie = sidSetCookie(response);
            if (setCookie != null) {
                sidCookie = setCookie.substring("sid=".length(), setCookie.indexOf(';') < 0 ? setCookie.length()
                        : setCookie.indexOf(';'));
            }
            return response;
        });
    }

    private static HttpResponse<String> join(CompletableFuture<HttpResponse<String>> future) {
        try {
            return future.join();
        } catch (RuntimeException e) {
            if (e.getCause() instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw e;
        }
    }
}
