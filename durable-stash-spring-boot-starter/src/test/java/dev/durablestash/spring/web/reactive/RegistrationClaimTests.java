package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;

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
 * The first registration of an exchange's views claims them against a commit that took its actions already
 * ({@link ExchangeViews#register}): the views then count as bound after the commit, and a turn another subscriber
 * took meanwhile at an atomic view is handed on at once, not held until the exchange ends.
 */
class RegistrationClaimTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final StashSettings settings = StashSettings.builder().secret("a-secret-of-at-least-thirty-two-bytes!!")
            .operationTimeout(TIMEOUT).build();
    private final GatedStorage storage = new GatedStorage();
    private final StashAdapter adapter = new StashAdapter(storage, settings);
    private final StashedViews views = new StashedViews(settings, List.of());
    private final StashContext context = new StashContext(adapter, views, TIMEOUT, 503);
    private final String planted = SessionIds.newSid();
    /** Hooks by the number of the isCommitted() call (counted from arming), run after the answer was read. */
    private final Map<Integer, Runnable> hooks = new ConcurrentHashMap<>();
    private final AtomicInteger calls = new AtomicInteger(-1_000_000);
    private final AtomicReference<@Nullable CompletableFuture<Void>> commit = new AtomicReference<>();

    @StashedView(name = "notes", atomic = false)
    public static class Notes {
        @Stashed
        List<String> items = new ArrayList<>();
    }

    @StashedView(name = "counter", atomic = true)
    public static class Counter {
        @Stashed
        int count;
    }

    private final class Ex {
        MockServerWebExchange mock;
        ServerWebExchange exchange;
        ReactiveBrowserSession session;

        Ex(boolean hooked) {
            mock = MockServerWebExchange.from(MockServerHttpRequest.post("http://localhost/x")
                    .cookie(ResponseCookie.from("sid", new SessionCookieValues(settings).encode(planted)).build()));
            ServerHttpResponse response = !hooked ? mock.getResponse()
                    : new ServerHttpResponseDecorator(mock.getResponse()) {
                        @Override
                        public boolean isCommitted() {
                            boolean answer = super.isCommitted();
                            Runnable h = hooks.remove(calls.incrementAndGet());
                            if (h != null) {
                                h.run();
                            }
                            return answer;
                        }
                    };
            exchange = new ServerWebExchangeDecorator(mock) {
                @Override
                public ServerHttpResponse getResponse() {
                    return response;
                }
            };
            BrowserSessionSettings<ReactivePrincipalResolver> browserSessions = new BrowserSessionSettings<>(
                    new SidCookie(), ReactivePrincipalResolver.EXCHANGE_PRINCIPAL, () -> settings, () -> adapter);
            browserSessions.principals(e -> Mono.empty());
            session = new ReactiveBrowserSession(browserSessions, exchange);
            exchange.getAttributes().put(ReactiveBrowserSession.ATTRIBUTE, session);
        }
    }

    @BeforeEach
    void plant() {
        adapter.stash(planted, views.definitionOf(Notes.class), Map.of("items", List.of("before")))
                .toCompletableFuture().join();
    }

    @AfterEach
    void close() {
        storage.passAll();
        adapter.close();
    }

    /**
     * The response commits (its actions taken) as the first view's registration starts; another subscriber of
     * the exchange binds an atomic view before the registration looks again, which claims the views: the turn
     * that subscriber holds is handed on, and another request of the browser session gets it (it stayed held
     * until the exchange ended, and that request timed out, when the claim only marked the turns handed on).
     */
    @Test
    void aTurnHeldWhenTheRegistrationClaimsTheViewsIsHandedOn() throws Exception {
        Ex one = new Ex(true);
        assertThat(one.session.sid().block(TIMEOUT)).isEqualTo(planted);
        hooks.put(1, () -> commit.set(one.mock.getResponse().setComplete().toFuture())); // register(): first look
        hooks.put(2, () -> ExchangeViews.find(one.exchange).bind(new Counter()).block(TIMEOUT)); // the re-check
        calls.set(0);
        ExchangeViews.of(one.exchange, context).bind(new Notes()).block(TIMEOUT);
        assertThat(hooks).as("both hooks ran").isEmpty();
        commit.get().get(10, TimeUnit.SECONDS);
        // The exchange streams on (not ended). Another request of the browser session binds the atomic view.
        Ex two = new Ex(false);
        Throwable failure = null;
        try {
            ExchangeViews.of(two.exchange, context).bind(new Counter()).block(Duration.ofSeconds(8));
        } catch (Throwable e) {
            failure = e;
        }
        ExchangeViews.exchangeEnded(one.exchange);
        assertThat(failure).as("the other request's bind of the atomic view (its turn's wait is 5 s)").isNull();
    }
}
