package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.web.SidCookie;

import reactor.core.publisher.Mono;

/**
 * The first registration of an exchange's views claims them against a commit that took its actions already
 * ({@link ExchangeViews#register}): the views then count as bound after the commit, and a turn another subscriber
 * took meanwhile at an atomic view is handed on at once, not held until the exchange ends.
 */
class RegistrationClaimTests extends PlantedSidTestSupport {

    /** Hooks by the number of the isCommitted() call (counted from arming), run after the answer was read. */
    private final Map<Integer, Runnable> hooks = new ConcurrentHashMap<>();
    private final AtomicInteger calls = new AtomicInteger(-1_000_000);
    private final AtomicReference<@Nullable CompletableFuture<Void>> commit = new AtomicReference<>();

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
            mock = post("/x", plantedCookie());
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
            session = attachSession(exchange, new SidCookie(), e -> Mono.empty());
        }
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
