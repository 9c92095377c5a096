package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpCookie;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;

import dev.durablestash.core.SessionCookieValues;
import dev.durablestash.core.StashWriteException;
import dev.durablestash.spring.Stash;
import dev.durablestash.spring.web.BoundViews;
import dev.durablestash.spring.web.SidCookie;
import dev.durablestash.spring.web.reactive.aftercommit.AfterCommitTestApplication.GatedStorage;

/**
 * Races between changes of a WebFlux exchange's browser session (its first resolution of a sid, a login's
 * follow, end(), abandon()) and another subscriber of the exchange resolving the sid or binding a view: each
 * interleaving is forced by a one-shot hook on the exchange (its cookies read, its response or its views looked
 * up) that runs the other subscriber's step on another thread at that point; a step that waits for the session's
 * lock (held by the hooked thread) goes on once the hooked one released it. Each failed before the session
 * changed its sid, cookie and views under one lock and checked its decision there.
 */
class SessionChangeRacesTests extends PlantedSidTestSupport {

    /** One-shot: runs the next time the request's cookies are read. */
    private final AtomicReference<@Nullable Runnable> onCookies = new AtomicReference<>();
    /** One-shot: runs the next time the exchange's response is looked up. */
    private final AtomicReference<@Nullable Runnable> onResponse = new AtomicReference<>();
    /** One-shot: runs the next time the exchange's views are looked up (ExchangeViews.find). */
    private final AtomicReference<@Nullable Runnable> onViewsLookup = new AtomicReference<>();
    private MockServerWebExchange mock;
    private ReactiveBrowserSession session;
    private ExchangeViews exchangeViews;

    private final OtherSubscribers others = new OtherSubscribers();

    private static void runOnce(AtomicReference<@Nullable Runnable> hook) {
        Runnable h = hook.getAndSet(null);
        if (h != null) {
            h.run();
        }
    }

    @BeforeEach
    void exchangeWithAnAnonymousSid() {
        exchangeWithCookie(plantedCookie());
    }

    private void exchangeWithCookie(String cookieValue) {
        mock = post("/login", cookieValue);
        ServerHttpRequest hookedRequest = new ServerHttpRequestDecorator(mock.getRequest()) {
            @Override
            public MultiValueMap<String, HttpCookie> getCookies() {
                runOnce(onCookies);
                return super.getCookies();
            }
        };
        String viewsAttribute = ExchangeViews.class.getName();
        ServerWebExchange exchange = new ServerWebExchangeDecorator(mock) {
            @Override
            public ServerHttpRequest getRequest() {
                return hookedRequest;
            }

            @Override
            public ServerHttpResponse getResponse() {
                runOnce(onResponse);
                return super.getResponse();
            }

            @Override
            @SuppressWarnings("unchecked")
            public <T> @Nullable T getAttribute(String name) {
                if (name.equals(viewsAttribute)) {
                    runOnce(onViewsLookup);
                }
                return (T) getAttributes().get(name);
            }
        };
        SidCookie cookie = new SidCookie();
        cookie.setMaxAge(Duration.ofDays(30)); // a refreshed cookie: written again when the cookie's sid is adopted
        session = attachSession(exchange, cookie, principalHolder());
        exchangeViews = ExchangeViews.of(exchange, context);
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

    /**
     * An end() just after the first resolution adopted the cookie's sid clears the cookie the resolution
     * refreshes: it used to be written after the session's lock was released, so the end() could run in between
     * and the browser kept the ended sid.
     */
    @Test
    void anEndJustAfterTheAdoptionIsNotUndoneByTheAdoptionsCookie() throws Exception {
        AtomicReference<CompletableFuture<Void>> end = new AtomicReference<>();
        onCookies.set(() -> onResponse.set(() -> others.elsewhere(() -> { // armed inside decide(): fires at its writeCookie
            CompletableFuture<Void> ended = session.end().toFuture();
            end.set(ended);
            ended.join();
        })));

        String first = session.sid().block(TIMEOUT);
        others.joinAll();
        end.get().get(10, TimeUnit.SECONDS);

        assertThat(session.sidNow()).as("the session's sid after the end").isNull();
        assertThat(mock.getResponse().getCookies().getFirst("sid").getValue())
                .as("the response's sid cookie after end() (which clears it)").isEmpty();
    }

    /**
     * A login's follow decided to move the anonymous cookie's session (no sid resolved yet); just after, a
     * subscriber that does not see the security context adopts that planted sid and binds a view there. The
     * adoption is a change the follow must see: it decides again and moves the bound view along, so ada's later
     * write does not land under the planted sid (it did, when the move went on as decided, with no views).
     */
    @Test
    void aViewBoundUnderTheCookiesSidJustAfterALoginsDecisionIsMovedAlong() throws Exception {
        principal.set("ada");
        Notes notes = new Notes();
        AtomicReference<Stash> handle = new AtomicReference<>();
        onCookies.set(() -> { // inside followPrincipal(), after it decided at its generation and found no sid
            principal.set(null); // a subscriber that does not see the security context (or before the login)
            others.elsewhere(() -> handle.set(exchangeViews.bind(notes).block(TIMEOUT)));
            principal.set("ada");
        });

        session.followPrincipal().block(TIMEOUT);
        others.joinAll();
        notes.items.add("ada-secret");
        BoundViews.stashAsync(handle.get()).toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(session.sidNow()).as("the session moved to a new sid").isNotEqualTo(planted);
        assertThat(storedUnder(planted)).as("what the planted sid holds after ada's login")
                .doesNotContain("ada-secret");
        assertThat(storedUnder(session.sidNow())).as("ada's session").contains("ada-secret");
    }

    /**
     * A first resolution just after an end() (another subscriber of the exchange) keeps the cookie of the new sid
     * it takes: the end() used to clear the cookie after releasing the session's lock, so the exchange went on
     * under a sid no cookie named.
     */
    @Test
    void aNewSidResolvedJustAfterAnEndKeepsItsCookie() throws Exception {
        session.sid().block(TIMEOUT);
        AtomicReference<String> next = new AtomicReference<>();
        onResponse.set(() -> others.elsewhere(() -> next.set(session.sid().block(TIMEOUT)))); // at end()'s writeCookie("")

        session.end().block(TIMEOUT);
        others.joinAll();

        assertThat(next.get()).isNotNull().isNotEqualTo(planted).isEqualTo(session.sidNow());
        String cookie = mock.getResponse().getCookies().getFirst("sid").getValue();
        assertThat(cookie).as("the response's cookie while the session is on " + next.get()).isNotEmpty();
        assertThat(new SessionCookieValues(settings).decodeOne(List.of(cookie), null).sid()).isEqualTo(next.get());
    }

    /**
     * A view recovered under the new sid an abandon() gave, and bound just after, is kept: the abandon() drops only
     * the views bound under a sid the session left (it dropped them all, and the view's stash wrote nothing).
     */
    @Test
    void aViewBoundUnderTheNewSidJustAfterAnAbandonIsNotDropped() throws Exception {
        aViewBoundUnderTheNextSidIsNotDropped(() -> session.abandon().block(TIMEOUT));
    }

    /** As above, with end(): a view bound under the sid resolved after the end is kept. */
    @Test
    void aViewBoundUnderTheNextSidJustAfterAnEndIsNotDropped() throws Exception {
        aViewBoundUnderTheNextSidIsNotDropped(() -> session.end().block(TIMEOUT));
    }

    private void aViewBoundUnderTheNextSidIsNotDropped(Runnable change) throws Exception {
        session.sid().block(TIMEOUT);
        Notes notes = new Notes();
        AtomicReference<Stash> handle = new AtomicReference<>();
        onViewsLookup.set(() -> others.elsewhere(() -> handle.set(exchangeViews.bind(notes).block(TIMEOUT))));

        change.run();
        others.joinAll();
        String now = session.sidNow();
        notes.items.add("mine");
        BoundViews.stashAsync(handle.get()).toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(now).isNotNull().isNotEqualTo(planted);
        assertThat(storedUnder(now)).as("what the new session holds after the view bound under it stashed")
                .containsExactly("mine");
    }

    /**
     * A follow that decided to replace a cookie bound to another principal (no sid resolved yet) decides again
     * when a view's bind resolved a new sid in between: it used to replace that brand-new session too, dropping
     * the view, whose stash then wrote nothing.
     */
    @Test
    void aViewBoundJustAfterFollowPrincipalDecidedToReplaceTheCookiesSessionIsKept() throws Exception {
        exchangeWithCookie(new SessionCookieValues(settings).encode(planted, "alice")); // alice's, exchange anonymous
        Notes notes = new Notes();
        AtomicReference<Stash> handle = new AtomicReference<>();
        AtomicReference<String> boundUnder = new AtomicReference<>();
        onCookies.set(() -> others.elsewhere(() -> { // inside followPrincipal(), after it decided and found no sid
            handle.set(exchangeViews.bind(notes).block(TIMEOUT));
            boundUnder.set(session.sidNow());
        }));

        session.followPrincipal().block(TIMEOUT);
        others.joinAll();
        notes.items.add("mine");
        BoundViews.stashAsync(handle.get()).toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(boundUnder.get()).isNotNull().isNotEqualTo(planted);
        assertThat(session.sidNow()).as("the session's sid after followPrincipal()").isEqualTo(boundUnder.get());
        assertThat(storedUnder(session.sidNow())).as("what the session holds").containsExactly("mine");
    }

    /**
     * Another subscriber of the exchange, at a change of the session: binds a view under a new anonymous sid,
     * stashes it, and starts ada's login, whose move of the state is held at its copy until the test lets it go.
     */
    private final class LateSubscriber {
        final Notes notes = new Notes();
        volatile @Nullable Stash handle;
        volatile @Nullable String anonymous;
        volatile GatedStorage.@Nullable Gate copy;
        final CompletableFuture<Void> login = new CompletableFuture<>();

        /** Returns once the login's move reached its copy of the state (held there). */
        void bindsAndLogsIn() {
            try {
                handle = exchangeViews.bind(notes).block(TIMEOUT);
                anonymous = session.sidNow();
                notes.items.add("anon");
                BoundViews.stashAsync(handle).toCompletableFuture().get(10, TimeUnit.SECONDS);
                principal.set("ada");
                copy = storage.holdNextPutNotTo(storage.lastPutKey());
                session.followPrincipal().toFuture().whenComplete((ok, error) -> {
                    if (error != null) {
                        login.completeExceptionally(error);
                    } else {
                        login.complete(null);
                    }
                });
                copy.reached.get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** The login's move fails; returns once the login failed. */
        void loginFails() {
            copy.fail();
            assertThat(login).failsWithin(Duration.ofSeconds(10));
        }

        /** @return the view's write of ada's secret, sent now */
        CompletableFuture<Void> stashesAdasSecret() {
            notes.items.add("ada-secret");
            return BoundViews.stashAsync(handle).toCompletableFuture();
        }
    }

    /**
     * Just after an end(), another subscriber resolves a new anonymous sid, binds a view there, and a login's move
     * of it fails: the view's later write fails and does not land under the anonymous sid the session stays on
     * (the end's late drop of the views, and its reopening of the gate that failed move closed, let it through).
     */
    @Test
    void aFailedLoginAfterAnEndStillFailsTheAnonymousViewsWrites() throws Exception {
        aFailedLoginStillFailsTheAnonymousViewsWrites(() -> session.end().block(TIMEOUT));
    }

    /** As above, after an abandon(). */
    @Test
    void aFailedLoginAfterAnAbandonStillFailsTheAnonymousViewsWrites() throws Exception {
        aFailedLoginStillFailsTheAnonymousViewsWrites(() -> session.abandon().block(TIMEOUT));
    }

    private void aFailedLoginStillFailsTheAnonymousViewsWrites(Runnable change) throws Exception {
        session.sid().block(TIMEOUT);
        LateSubscriber late = new LateSubscriber();
        onViewsLookup.set(() -> others.elsewhere(() -> { // at the change's drop of the views
            late.bindsAndLogsIn();
            late.loginFails();
        }));

        change.run();
        others.joinAll();
        assertThat(late.login).as("the login's move").isCompletedExceptionally();
        assertThat(session.sidNow()).as("the session stays on its anonymous sid").isEqualTo(late.anonymous);

        Throwable failure = late.stashesAdasSecret().handle((ok, error) -> error).get(10, TimeUnit.SECONDS);

        assertThat(storedUnder(late.anonymous)).as("what the anonymous sid holds after ada's failed login")
                .doesNotContain("ada-secret");
        assertThat(failure instanceof CompletionException ? failure.getCause() : failure).as("the stash")
                .isInstanceOf(StashWriteException.class);
    }

    /**
     * As the first, but the login's move is still in flight when the end()'s drop of the views has run: the view's
     * next write waits for the move and goes to the new sid, never to the sid being left.
     */
    @Test
    void aWriteAfterAnEndWaitsForALaterLoginsMoveInFlight() throws Exception {
        session.sid().block(TIMEOUT);
        LateSubscriber late = new LateSubscriber();
        onViewsLookup.set(() -> others.elsewhere(late::bindsAndLogsIn)); // at end()'s drop of the views

        session.end().block(TIMEOUT);
        others.joinAll();
        assertThat(session.isMoving()).as("the login's move is still in flight").isTrue();

        CompletableFuture<Void> stash = late.stashesAdasSecret();
        boolean heldByTheMove = !stash.isDone();
        late.copy.pass();
        late.login.get(10, TimeUnit.SECONDS);
        stash.get(10, TimeUnit.SECONDS);

        assertThat(storedUnder(late.anonymous)).as("what the anonymous sid left by the login holds")
                .doesNotContain("ada-secret");
        assertThat(storedUnder(session.sidNow())).as("ada's session").contains("ada-secret");
        assertThat(heldByTheMove).as("the write sent while the move was in flight was held by the gate").isTrue();
    }

    /**
     * At an end()'s drop of the views, another subscriber binds a view under a new sid and a login moves it; its
     * move changes the sid and only then moves the views, and the end's drop may run in between: it keeps the
     * view the move takes along (it dropped it when it ran there, the end's drop seeing the new sid already
     * and the view still on the sid moved from). The end's drop now runs under the lock the move's change takes:
     * the other subscriber's bind waits for the end, and the move's change of sid and views is one step.
     */
    @Test
    void anEndsDropKeepsAViewALaterMoveTakesAlong() throws Exception {
        session.sid().block(TIMEOUT);
        LateSubscriber late = new LateSubscriber();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        onViewsLookup.set(() -> others.elsewhere(() -> { // at end()'s drop of the views
            late.bindsAndLogsIn();
            // In the move's change of sid (its cookie written), before it moves the views: the end goes on.
            onResponse.set(() -> ended.orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join());
            late.copy.pass();
        }));

        session.end().block(TIMEOUT);
        ended.complete(null);
        others.joinAll();
        late.login.get(10, TimeUnit.SECONDS);
        String moved = session.sidNow();
        assertThat(moved).isNotEqualTo(late.anonymous);
        assertThat(storedUnder(moved)).as("the moved state").containsExactly("anon");

        late.stashesAdasSecret().get(10, TimeUnit.SECONDS);

        assertThat(storedUnder(moved)).as("ada's session after her view stashed").contains("ada-secret");
    }

    /**
     * ada's first resolution decided to move the anonymous cookie's session; just after, a subscriber that does
     * not see the security context adopts that planted sid. ada's resolution decides again, following her: it
     * yields a sid of hers, never the planted one (it yielded the planted sid when it went back to sid()).
     */
    @Test
    void anAuthenticatedFirstResolutionAfterAnAdoptionFollowsThePrincipal() throws Exception {
        principal.set("ada");
        onCookies.set(() -> { // inside ada's decide(), after it took its generation
            principal.set(null);
            others.elsewhere(() -> session.sid().block(TIMEOUT));
            principal.set("ada");
        });

        String adas = session.sid().block(TIMEOUT);
        others.joinAll();

        assertThat(adas).as("the sid ada's subscriber resolved (the cookie's anonymous sid is " + planted + ")")
                .isNotEqualTo(planted);
    }
}
