package dev.durablestash.spring.web.reactive;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.http.ResponseCookie;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.SessionCookieValues;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.web.BrowserSessionSettings;
import dev.durablestash.spring.web.SidCookie;
import dev.durablestash.spring.web.StashedViews;
import dev.durablestash.spring.web.reactive.aftercommit.AfterCommitTestApplication.GatedStorage;

import reactor.core.publisher.Mono;

/**
 * What the WebFlux race tests share, without an application: an engine over {@link GatedStorage} (PUTs
 * the test holds and releases), the views and their context, and a sid an attacker planted in the
 * browser ({@link #planted}), under which the attacker's note is stored before each test ({@link Notes}
 * holds {@code "attacker"}). A test builds its exchanges, hooked where its race needs, and attaches a
 * browser session to each ({@link #attachSession}). After each test the held PUTs are let through and
 * the engine is closed.
 */
abstract class PlantedSidTestSupport {

    static final Duration TIMEOUT = Duration.ofSeconds(5);

    final StashSettings settings = StashSettings.builder().secret("a-secret-of-at-least-thirty-two-bytes!!")
            .operationTimeout(TIMEOUT).build();
    final GatedStorage storage = new GatedStorage();
    final StashAdapter adapter = new StashAdapter(storage, settings);
    final StashedViews views = new StashedViews(settings, List.of());
    final StashContext context = new StashContext(adapter, views, TIMEOUT, 503);
    /** The sid the attacker planted in the browser's cookie. */
    final String planted = SessionIds.newSid();
    /** The principal the exchanges' sessions resolve ({@link #principalHolder()}): none until a test logs in. */
    final AtomicReference<@Nullable String> principal = new AtomicReference<>();

    @StashedView(name = "notes", atomic = false)
    public static class Notes {
        @Stashed
        List<String> items = new ArrayList<>();
    }

    @BeforeEach
    final void plantTheAttackersNote() {
        adapter.stash(planted, views.definitionOf(Notes.class), Map.of("items", List.of("attacker")))
                .toCompletableFuture().join();
    }

    @AfterEach
    final void letHeldPutsThroughAndClose() {
        storage.passAll();
        adapter.close();
    }

    /** @return the planted sid as its cookie carries it */
    final String plantedCookie() {
        return new SessionCookieValues(settings).encode(planted);
    }

    /** @return a POST to {@code path} whose {@code sid} cookie has {@code cookieValue} */
    static MockServerWebExchange post(String path, String cookieValue) {
        return MockServerWebExchange.from(MockServerHttpRequest.post("http://localhost" + path)
                .cookie(ResponseCookie.from("sid", cookieValue).build()));
    }

    /** @return a resolver of the principal {@link #principal} holds when it is asked */
    final ReactivePrincipalResolver principalHolder() {
        return exchange -> Mono.defer(() -> Mono.justOrEmpty(principal.get()));
    }

    /**
     * Attaches a browser session to {@code exchange}, as the starter's filter does.
     *
     * @param cookie how the session writes its cookie
     * @param principals how it resolves the exchange's principal
     * @return the session
     */
    final ReactiveBrowserSession attachSession(ServerWebExchange exchange, SidCookie cookie,
            ReactivePrincipalResolver principals) {
        BrowserSessionSettings<ReactivePrincipalResolver> browserSessions = new BrowserSessionSettings<>(
                cookie, ReactivePrincipalResolver.EXCHANGE_PRINCIPAL, () -> settings, () -> adapter);
        browserSessions.principals(principals);
        ReactiveBrowserSession session = new ReactiveBrowserSession(browserSessions, exchange);
        exchange.getAttributes().put(ReactiveBrowserSession.ATTRIBUTE, session);
        return session;
    }

    /** @return the items of {@code view} stored under {@code sid} (none when nothing is) */
    @SuppressWarnings("unchecked")
    final List<String> storedUnder(String sid, Class<?> view) {
        Object items = adapter.recover(sid, views.definitionOf(view), MountKind.REJOIN).toCompletableFuture().join()
                .values().get("items");
        return items == null ? List.of() : (List<String>) items;
    }

    /** @return the notes stored under {@code sid} */
    final List<String> storedUnder(String sid) {
        return storedUnder(sid, Notes.class);
    }
}
