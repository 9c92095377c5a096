package dev.durablestash.sample.counter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One visitor of the sample over plain HTTP: its own cookie jar (so its own browser session), no
 * JavaScript, redirects not followed (so Post/Redirect/Get is visible). Thread-safe: requests may
 * be sent from several threads and share the cookie jar, like the tabs of one browser.
 */
final class Visitor {

    /** The request header {@code /durable-stash.js} adds to a page's own requests. */
    static final String MOUNTS_HEADER = "X-Stash-Mounts";

    private static final Pattern COUNT = Pattern.compile("<span id=\"count\">(-?\\d+)</span>");
    private static final Pattern USERNAME = Pattern.compile("<strong id=\"username\">([^<]*)</strong>");
    private static final Pattern DRAFT = Pattern.compile("<textarea id=\"draft\"[^>]*>([^<]*)</textarea>");

    private final SampleApp app;
    private final HttpClient client;

    Visitor(SampleApp app) {
        this.app = app;
        this.client = HttpClient.newBuilder()
                .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    HttpResponse<String> get(String pathAndQuery, String... headers) {
        return send(request(pathAndQuery, headers).GET().build());
    }

    /**
     * Posts an {@code application/x-www-form-urlencoded} form, like a browser without JavaScript.
     *
     * @param form field names and values, in order; see {@link #form(String...)}
     */
    HttpResponse<String> post(String path, Map<String, String> form, String... headers) {
        String body = form.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        return send(request(path, headers)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    /** @return the count shown by a fresh {@code GET /} */
    int count() {
        return Integer.parseInt(find(COUNT, ok(get("/")).body()));
    }

    /** @return the username shown by a fresh {@code GET /}, empty when none is set */
    String username() {
        return find(USERNAME, ok(get("/")).body());
    }

    /** @return the draft in the compose page's textarea */
    static String draftIn(HttpResponse<String> composePage) {
        return unescapeHtml(find(DRAFT, ok(composePage).body()));
    }

    /** Returns a form as an ordered map: {@code form("draft", "Hi", "_mounts", "1")}. */
    static Map<String, String> form(String... namesAndValues) {
        Map<String, String> form = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            form.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return form;
    }

    static HttpResponse<String> ok(HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            throw new AssertionError("expected 200 from " + response.request().method() + " "
                    + response.request().uri() + " but got " + response.statusCode() + ": " + response.body());
        }
        return response;
    }

    private HttpRequest.Builder request(String pathAndQuery, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(app.uri(pathAndQuery)).timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return builder;
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + request.method() + " " + request.uri(), e);
        }
    }

    private static String find(Pattern pattern, String html) {
        Matcher matcher = pattern.matcher(html);
        if (!matcher.find()) {
            throw new AssertionError("no match for " + pattern + " in:\n" + html);
        }
        return matcher.group(1);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String unescapeHtml(String text) {
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&amp;", "&");
    }
}
