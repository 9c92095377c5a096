package dev.durablestash.spring.testsupport;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

/** A browser with one sid cookie, over HTTP/1.1 or HTTP/2 (cleartext, by upgrade). Follows no redirect. */
public final class SidBrowser {

    private final HttpClient http;
    private final String base;
    private volatile @Nullable String sid;

    public SidBrowser(int port, HttpClient.Version version) {
        this.http = HttpClient.newBuilder().version(version).followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5)).build();
        this.base = "http://localhost:" + port;
    }

    public @Nullable String sid() {
        return sid;
    }

    public HttpResponse<String> get(String path, String... headers) {
        return send(builder(path, headers).GET());
    }

    public HttpResponse<String> head(String path, String... headers) {
        return send(builder(path, headers).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    }

    public HttpResponse<String> options(String path, String... headers) {
        return send(builder(path, headers).method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
    }

    public HttpResponse<String> post(String path, String form, String... headers) {
        return send(builder(path, headers).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
    }

    /** Posts a form whose length is not known in advance: chunked on HTTP/1.1, no length on HTTP/2. */
    public HttpResponse<String> postWithoutLength(String path, String form, String... headers) {
        byte[] bytes = form.getBytes(StandardCharsets.UTF_8);
        return send(builder(path, headers).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))));
    }

    private HttpRequest.Builder builder(String path, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        String cookie = sid;
        if (cookie != null) {
            builder.header("Cookie", "sid=" + cookie);
        }
        return builder;
    }

    private HttpResponse<String> send(HttpRequest.Builder builder) {
        try {
            HttpResponse<String> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            for (String value : response.headers().allValues("Set-Cookie")) {
                if (value.startsWith("sid=")) {
                    int end = value.indexOf(';');
                    sid = value.substring("sid=".length(), end < 0 ? value.length() : end);
                }
            }
            return response;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
