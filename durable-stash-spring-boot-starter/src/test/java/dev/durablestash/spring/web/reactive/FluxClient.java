package dev.durablestash.spring.web.reactive;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/** A browser for the reactive tests: a {@link WebTestClient} with one cookie jar holding the sid cookie. */
final class FluxClient {

    final WebTestClient client;
    private volatile @Nullable String sid;

    FluxClient(int port) {
        this.client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(30)).build();
    }

    @Nullable String sid() {
        return sid;
    }

    EntityExchangeResult<String> get(String path, String... headers) {
        return remember(() -> client.get().uri(path).headers(h -> add(h, headers)).exchange()
                .expectBody(String.class).returnResult());
    }

    EntityExchangeResult<String> post(String path, String form, String... headers) {
        return remember(() -> client.post().uri(path).headers(h -> add(h, headers))
                .contentType(MediaType.APPLICATION_FORM_URLENCODED).bodyValue(form).exchange()
                .expectBody(String.class).returnResult());
    }

    /** Posts {@code body} as {@code contentType}, e.g. a JSON document. */
    EntityExchangeResult<String> postBody(String path, String contentType, String body, String... headers) {
        return remember(() -> client.post().uri(path).headers(h -> add(h, headers))
                .contentType(MediaType.parseMediaType(contentType)).bodyValue(body).exchange()
                .expectBody(String.class).returnResult());
    }

    private void add(org.springframework.http.HttpHeaders h, String... headers) {
        for (int i = 0; i + 1 < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        String current = sid;
        if (current != null) {
            h.add("Cookie", "sid=" + current);
        }
    }

    private EntityExchangeResult<String> remember(Supplier<EntityExchangeResult<String>> exchange) {
        EntityExchangeResult<String> result;
        try {
            result = exchange.get();
        } catch (IllegalStateException e) {
            if (String.valueOf(e.getMessage()).startsWith("Timeout on blocking read")) {
                printThreads(); // what the application was stuck on: a hang says nothing else
            }
            throw e;
        }
        ResponseCookie cookie = result.getResponseCookies().getFirst("sid");
        if (cookie != null) {
            sid = cookie.getValue().isEmpty() ? null : cookie.getValue();
        }
        return result;
    }

    private static void printThreads() {
        StringBuilder dump = new StringBuilder("The request got no answer in time; the JVM's threads:\n");
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            dump.append('"').append(thread.getName()).append("\" ").append(thread.getState());
            Object blocker = LockSupport.getBlocker(thread); // a stuck lock reads "nonempty queue"
            dump.append(blocker == null ? "" : " waiting for " + blocker).append('\n');
            for (StackTraceElement frame : stack) {
                dump.append("    at ").append(frame).append('\n');
            }
        });
        System.err.println(dump);
    }

    /** @return the Set-Cookie header of the sid cookie, or null */
    static @Nullable String sidSetCookie(EntityExchangeResult<?> result) {
        for (String value : result.getResponseHeaders().getOrEmpty("Set-Cookie")) {
            if (value.startsWith("sid=")) {
                return value;
            }
        }
        return null;
    }
}
