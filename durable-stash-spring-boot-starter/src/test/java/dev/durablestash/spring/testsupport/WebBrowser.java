package dev.durablestash.spring.testsupport;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

/**
 * A browser for tests against a running app on {@code localhost}: a cookie jar for every cookie (sid,
 * JSESSIONID, remember-me), no redirects followed, optional HTTP Basic credentials, and the cookie
 * games of an attacker (a planted sid, a tossed second sid cookie). Not thread-safe, except that
 * requests sent with {@link #postAsync} and {@link #getAsync} may be in flight together.
 */
public final class WebBrowser {

    private final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    private final HttpClient client = HttpClient.newBuilder().cookieHandler(cookies)
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final URI base;
    private @Nullable String authorization;
    private @Nullable String tossed;

    /** @param port the app's port on localhost */
    public WebBrowser(int port) {
        this.base = URI.create("http://localhost:" + port);
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    public CompletableFuture<HttpResponse<String>> getAsync(String path) {
        return client.sendAsync(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String path, String form) throws IOException, InterruptedException {
        return client.send(postRequest(path, form), HttpResponse.BodyHandlers.ofString());
    }

    public CompletableFuture<HttpResponse<String>> postAsync(String path, String form) {
        return client.sendAsync(postRequest(path, form), HttpResponse.BodyHandlers.ofString());
    }

    /** @return the sid cookie's value, or {@code null} */
    public @Nullable String sid() {
        return cookie("sid");
    }

    /** @return the value of the cookie {@code name}, or {@code null} */
    public @Nullable String cookie(String name) {
        for (HttpCookie cookie : cookies.getCookieStore().get(base)) {
            if (cookie.getName().equals(name)) {
                return cookie.getValue();
            }
        }
        return null;
    }

    /** Plants a sid cookie as this server would set it, so the server's next one replaces it. */
    public void plant(@Nullable String sid) throws IOException {
        setCookie("sid=" + sid + "; Path=/");
    }

    /** Takes a cookie as if a response had set it ({@code value} as in a Set-Cookie header). */
    public void setCookie(String value) throws IOException {
        cookies.put(base, Map.of("Set-Cookie", List.of(value)));
    }

    /**
     * Sends a second sid cookie beside the server's with every later request, as a browser does with
     * one a sibling subdomain set for the parent domain.
     */
    public void toss(@Nullable String sid) {
        tossed = "sid=" + sid;
    }

    /** Drops the cookie {@code name}. */
    public void forget(String name) {
        cookies.getCookieStore().getCookies().stream().filter((c) -> c.getName().equals(name)).toList()
                .forEach((c) -> cookies.getCookieStore().remove(base, c));
    }

    /** Another request of this browser, with the cookies and credentials it has now. */
    public WebBrowser copy() throws IOException {
        WebBrowser other = new WebBrowser(base.getPort());
        for (HttpCookie cookie : cookies.getCookieStore().getCookies()) {
            other.setCookie(cookie.getName() + "=" + cookie.getValue() + "; Path=/");
        }
        other.authorization = authorization;
        return other;
    }

    /** As when the other request's answer arrives last: its cookies win. */
    public void takeCookiesOf(WebBrowser other) throws IOException {
        for (HttpCookie cookie : other.cookies.getCookieStore().getCookies()) {
            forget(cookie.getName());
            setCookie(cookie.getName() + "=" + cookie.getValue() + "; Path=/");
        }
    }

    /** Sends HTTP Basic credentials with every later request. */
    public void basic(String user, String password) {
        authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private HttpRequest postRequest(String path, String form) {
        return request(path).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
    }

    private HttpRequest.Builder request(String path) {
        // A request the server never answers fails the test after 30 s, naming it, instead of hanging the build.
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        return tossed == null ? builder : builder.header("Cookie", tossed);
    }
}
