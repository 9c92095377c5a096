package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpCookie;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;

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
 * The first resolution of an exchange's sid ({@link ReactiveBrowserSession#sid()}) racing an end of the session:
 * the end is never undone, and the resolution gives a sid. Without a server: one exchange whose cookies, when
 * read, can run a hook the test sets (inside the resolution, after it found no sid resolved yet).
 */
class FirstSidRacesTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final StashSettings settings = StashSettings.builder().secret("a-secret-of-at-least-thirty-two-bytes!!")
            .operationTimeout(TIMEOUT).build();
    private final GatedStorage storage = new GatedStorage();
    private final StashAdapter adapter = new StashAdapter(storage, settings);
    private final StashedViews views = new StashedViews(settings, List.of());
    private final AtomicReference<@Nullable String> principal = new AtomicReference<>();
    /** Runs once, the next time the request's cookies are read. */
    private final AtomicReference<@Nullable Runnable> onCookies = new AtomicReference<>();
    private final String planted = SessionIds.newSid();
    private ReactiveBrowserSession session;

    @StashedView(name = "notes", atomic = false)
    public static class Notes {
        @Stashed
        List<String> items = new ArrayList<>();
    }

    @BeforeEach
    void exchangeWithAnAnonymousSid() {
        adapter.stash(planted, views.definitionOf(Notes.class), Map.of("items", List.of("anonymous")))
                .toCompletableFuture().join();
        MockServerWebExchange mock = MockServerWebExchange.from(MockServerHttpRequest.post("http://localhost/login")
                .cookie(ResponseCookie.from("sid", new SessionCookieValues(settings).encode(planted)).build()));
        ServerHttpRequest hookedRequest = new ServerHttpRequestDecorator(mock.getRequest()) {
            @Override
            public MultiValueMap<String, HttpCookie> getCookies() {
                Runnable hook = onCookies.getAndSet(null);
                if (hook != null) {
                    hook.run();
                }
                return super.getCookies();
            }
        };
        ServerWebExchange exchange = new ServerWebExchangeDecorator(mock) {
            @Override
            public ServerHttpRequest getRequest() {
                return hookedRequest;
            }
        };
        BrowserSessionSettings<ReactivePrincipalResolver> browserSessions = new BrowserSessionSettings<>(
                new SidCookie(), ReactivePrincipalResolver.EXCHANGE_PRINCIPAL, () -> settings, () -> adapter);
        browserSessions.principals(e -> Mono.defer(() -> Mono.justOrEmpty(principal.get())));
        session = new ReactiveBrowserSession(browserSessions, exchange);
        exchange.getAttributes().put(ReactiveBrowserSession.ATTRIBUTE, session);
    }

    @AfterEach
    void close() {
        storage.passAll();
        adapter.close();
    }

    /**
     * An end that runs after the first resolution found no sid and before it adopted the cookie's (as another
     * thread's could). Before the fix the resolution adopted the ended sid all the same, and the exchange went on
     * under it; it now decides again, and gets a new session, as end() says.
     */
    @Test
    void anEndBetweenTheFirstResolutionsLookAndItsAdoptionIsNotUndone() throws Exception {
        AtomicReference<CompletableFuture<Void>> end = new AtomicReference<>();
        onCookies.set(() -> {
            CompletableFuture<Void> ended = session.end().toFuture();
            end.set(ended);
            ended.join();
        });

        String first = session.sid().block(TIMEOUT);
        end.get().get(10, TimeUnit.SECONDS);

        assertThat(first).as("the sid the first resolution gave").isNotEqualTo(planted);
        assertThat(session.sidNow()).as("the session's sid after the end").isNotEqualTo(planted);
    }

    /**
     * A first resolution of a logged-in exchange with an anonymous cookie moves the state (its copy held), and an
     * end waits for that move. Before the fix the end ran as the move ended, and the resolution then read the
     * sid the end had cleared: a NullPointerException. It now gives the sid of the session that follows the end.
     */
    @Test
    void aFirstResolutionThatMovesTheStateWhileAnEndWaitsForItGivesASid() throws Exception {
        principal.set("ada");
        GatedStorage.Gate copy = storage.holdNextPutNotTo(storage.lastPutKey());
        CompletableFuture<String> sid = session.sid().toFuture();
        copy.reached.get(10, TimeUnit.SECONDS);
        CompletableFuture<Void> end = session.end().toFuture();

        copy.pass();
        end.get(10, TimeUnit.SECONDS);

        assertThat(sid.get(10, TimeUnit.SECONDS)).as("the first resolution's sid").isNotNull()
                .isNotEqualTo(planted);
    }
}
