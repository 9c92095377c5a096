package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import ch.qos.logback.classic.Level;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;

import dev.durablestash.core.StashWriteException;
import dev.durablestash.spring.Stash;
import dev.durablestash.spring.web.BoundViews;
import dev.durablestash.spring.web.SidCookie;
import dev.durablestash.spring.web.reactive.aftercommit.AfterCommitTestApplication.GatedStorage;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * Races of an exchange's browser session with the first bind of a view, which registers the exchange's views
 * ({@link ExchangeViews#of}) as it does in an application: lazily. A one-shot hook runs another subscriber's step
 * right after the exchange's views were looked up; each case failed while a move, a failed login or a second
 * first bind missed views registered after it looked.
 */
class LazyViewsRacesTests extends PlantedSidTestSupport {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    /** One-shot: runs right AFTER the exchange's views were looked up (ExchangeViews.find read the attribute). */
    private final AtomicReference<@Nullable Runnable> afterViewsLookup = new AtomicReference<>();
    /** One-shot: runs right after the response was asked whether it is committed. */
    private final AtomicReference<@Nullable Runnable> onIsCommitted = new AtomicReference<>();
    /** The response's commit, once a test started it. */
    private final AtomicReference<@Nullable CompletableFuture<Void>> commit = new AtomicReference<>();
    private final OtherSubscribers others = new OtherSubscribers();
    private MockServerWebExchange mock;
    private ServerWebExchange exchange;
    private ReactiveBrowserSession session;

    @BeforeEach
    void exchangeWithAnAnonymousSidAndNoViewsYet() {
        mock = post("/login", plantedCookie());
        String viewsAttribute = ExchangeViews.class.getName();
        ServerHttpResponse response = new ServerHttpResponseDecorator(mock.getResponse()) {
            @Override
            public boolean isCommitted() {
                boolean answer = super.isCommitted();
                Runnable h = onIsCommitted.getAndSet(null);
                if (h != null) {
                    h.run(); // after the answer was read: the commit comes just after the look
                }
                return answer;
            }
        };
        exchange = new ServerWebExchangeDecorator(mock) {
            @Override
            public ServerHttpResponse getResponse() {
                return response;
            }

            @Override
            @SuppressWarnings("unchecked")
            public <T> @Nullable T getAttribute(String name) {
                T value = (T) getAttributes().get(name);
                if (name.equals(viewsAttribute)) {
                    Runnable h = afterViewsLookup.getAndSet(null);
                    if (h != null) {
                        h.run();
                    }
                }
                return value;
            }
        };
        session = attachSession(exchange, new SidCookie(), principalHolder());
        // No ExchangeViews.of(...) here: as in the application, the views are registered by the first bind.
    }

    /**
     * The exchange resolved the planted anonymous sid (no view bound yet); ada logs in. At the first look for the
     * exchange's views (none yet), another subscriber binds the first view under the planted sid (it registers the
     * exchange's views). The move lands and takes the view along: ada's later write goes to her sid. (The look was
     * the follow's decision, before its move started, when the move took along only the views found there, none,
     * and the write landed under the planted sid; it is now the move's own, the bind waiting for the move.)
     */
    @Test
    void aFirstViewBoundJustBeforeALoginsMoveStartsIsMovedAlong() throws Exception {
        assertThat(session.sid().block(TIMEOUT)).isEqualTo(planted);
        principal.set("ada");
        Notes notes = new Notes();
        AtomicReference<Stash> handle = new AtomicReference<>();
        afterViewsLookup.set(() -> others.elsewhere(() -> handle.set(ExchangeViews.of(exchange, context).bind(notes)
                .block(TIMEOUT))));

        session.followPrincipal().block(TIMEOUT);
        others.joinAll();
        String adas = session.sidNow();
        assertThat(adas).as("the session moved to ada's sid").isNotEqualTo(planted);

        notes.items.add("ada-secret");
        BoundViews.stashAsync(handle.get()).toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(storedUnder(planted)).as("what the planted (anonymous) sid holds after ada's login")
                .doesNotContain("ada-secret");
        assertThat(storedUnder(adas)).as("ada's session").contains("ada-secret");
    }

    /**
     * As the first, through the application's API: ReactiveStash.stash() follows the principal first (nothing to do,
     * the session is ada's already) and writes ada's change under the planted sid.
     */
    @Test
    void aFirstViewBoundJustBeforeALoginsMoveStartsIsMovedAlongThroughReactiveStash() throws Exception {
        assertThat(session.sid().block(TIMEOUT)).isEqualTo(planted);
        principal.set("ada");
        Notes notes = new Notes();
        AtomicReference<ReactiveStash> stash = new AtomicReference<>();
        afterViewsLookup.set(() -> others.elsewhere(() -> {
            ExchangeViews first = ExchangeViews.of(exchange, context);
            stash.set(new BindingStash(first.bind(notes).block(TIMEOUT), first));
        }));

        session.followPrincipal().block(TIMEOUT);
        others.joinAll();
        String adas = session.sidNow();
        assertThat(adas).as("the session moved to ada's sid").isNotEqualTo(planted);

        notes.items.add("ada-secret");
        stash.get().stash().block(TIMEOUT);

        assertThat(storedUnder(planted)).as("what the planted (anonymous) sid holds after ada's login")
                .doesNotContain("ada-secret");
        assertThat(storedUnder(adas)).as("ada's session").contains("ada-secret");
    }

    /**
     * The exchange's views exist before the login's move fails: a view bound under the anonymous sid afterwards
     * cannot write there (its write fails).
     */
    @Test
    void aViewBoundAfterAFailedLoginCannotWriteUnderTheAnonymousSid() throws Exception {
        ExchangeViews exchangeViews = ExchangeViews.of(exchange, context);
        failedLogin();
        Notes notes = new Notes();
        Stash handle = exchangeViews.bind(notes).block(TIMEOUT);
        notes.items.add("ada-secret");
        Throwable failure = BoundViews.stashAsync(handle).toCompletableFuture().handle((ok, error) -> error)
                .get(10, TimeUnit.SECONDS);
        assertThat(storedUnder(planted)).doesNotContain("ada-secret");
        assertThat(failure).isNotNull();
    }

    /**
     * The same, with the exchange's views registered only after the failed login (a login before any view was
     * bound): the view is bound under the anonymous sid the session stays on, and its write fails all the same (it
     * landed there when only the views registered at the move's start were held).
     */
    @Test
    void aViewBoundAfterAFailedLoginCannotWriteUnderTheAnonymousSidWhenTheViewsCameAfter() throws Exception {
        failedLogin();
        Notes notes = new Notes();
        Stash handle = ExchangeViews.of(exchange, context).bind(notes).block(TIMEOUT);
        notes.items.add("ada-secret");
        Throwable failure = BoundViews.stashAsync(handle).toCompletableFuture().handle((ok, error) -> error)
                .get(10, TimeUnit.SECONDS);
        assertThat(storedUnder(planted)).as("what the planted (anonymous) sid holds after ada's failed login")
                .doesNotContain("ada-secret");
        assertThat(failure).as("the stash of a view on the anonymous sid after the failed login").isNotNull();
    }

    /**
     * Two subscribers of the exchange bind their first views at once: one set of views is registered, which an
     * end() drops (when each registered its own, the second replacing the first, the end dropped only the second's,
     * and the first's view wrote under the ended sid).
     */
    @Test
    void twoFirstBindsAtOnceRegisterOneSetOfViews() throws Exception {
        assertThat(session.sid().block(TIMEOUT)).isEqualTo(planted);
        Notes notes = new Notes();
        AtomicReference<ExchangeViews> first = new AtomicReference<>();
        AtomicReference<Stash> handle = new AtomicReference<>();
        afterViewsLookup.set(() -> others.elsewhere(() -> { // inside the main thread's ExchangeViews.of, after it found none
            first.set(ExchangeViews.of(exchange, context));
            handle.set(first.get().bind(notes).block(TIMEOUT));
        }));
        ExchangeViews second = ExchangeViews.of(exchange, context);
        others.joinAll();

        session.end().block(TIMEOUT);
        notes.items.add("after-end");
        BoundViews.stashAsync(handle.get()).toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(storedUnder(planted)).as("what the ended sid holds after a write of a view bound before the end")
                .doesNotContain("after-end");
        assertThat(second).as("the exchange's views").isSameAs(first.get());
    }

    /**
     * After a failed login, a rotate() of the anonymous sid without the principal (subscribed outside the security
     * context) fails too: the views on that sid still cannot write there (a failed rotate() left the writes open,
     * and so reopened them).
     */
    @Test
    void aFailedRotateAfterAFailedLoginKeepsTheAnonymousViewsFromWriting() throws Exception {
        ExchangeViews exchangeViews = ExchangeViews.of(exchange, context);
        failedLogin();
        principal.set(null);
        GatedStorage.Gate copy = storage.holdNextPutNotTo(storage.lastPutKey());
        CompletableFuture<Void> rotate = session.rotate().toFuture();
        copy.reached.get(10, TimeUnit.SECONDS);
        copy.fail();
        assertThat(rotate).as("the rotation").failsWithin(Duration.ofSeconds(10));
        assertThat(session.sidNow()).isEqualTo(planted);

        Notes notes = new Notes();
        Stash handle = exchangeViews.bind(notes).block(TIMEOUT);
        notes.items.add("ada-secret");
        Throwable failure = BoundViews.stashAsync(handle).toCompletableFuture().handle((ok, error) -> error)
                .get(10, TimeUnit.SECONDS);

        assertThat(storedUnder(planted)).as("what the planted sid holds after the failed login and rotation")
                .doesNotContain("ada-secret");
        assertThat(failure).as("the stash of a view on the anonymous sid").isNotNull();
    }

    /**
     * The response commits (as from another thread: not waited for) just after the first view's registration
     * looked whether it was committed, before it added its commit stash: the views count as bound after the
     * commit, and the view's change is reported as not stashed at the end (it was lost silently, neither stashed
     * by the commit, which had taken its actions, nor reported).
     */
    @Test
    void aCommitAsTheFirstViewIsRegisteredReportsItsChanges() throws Exception {
        logs.expect(Level.ERROR, "Changes to view(s) [notes] in /login are NOT stashed");
        assertThat(session.sid().block(TIMEOUT)).isEqualTo(planted);
        onIsCommitted.set(() -> commit.set(mock.getResponse().setComplete().toFuture()));
        ExchangeViews exchangeViews = ExchangeViews.of(exchange, context);
        Notes notes = new Notes();
        exchangeViews.bind(notes).block(TIMEOUT);
        notes.items.add("bound-while-committing");
        ExchangeViews.stashUncommitted(exchange).block(TIMEOUT); // what SidWebFilter does once the handler is done
        assertThat(commit.get()).as("the commit, started by the hook").isNotNull();
        commit.get().get(10, TimeUnit.SECONDS);

        ExchangeViews.exchangeEnded(exchange);
    }

    /**
     * The response commits (not waited for) just after a login's move looked whether it was committed, too late
     * for its cookie to name a new sid: the move does not happen, and fails as a failed login's move does; the
     * state stays where the browser's cookie points (it moved to a sid no cookie named, and the browser was left
     * on the emptied planted sid).
     */
    @Test
    void aCommitAsALoginsMoveStartsLeavesTheStateWhereTheCookiePoints() throws Exception {
        assertThat(session.sid().block(TIMEOUT)).isEqualTo(planted);
        principal.set("ada");
        onIsCommitted.set(() -> commit.set(mock.getResponse().setComplete().toFuture()));

        assertThatThrownBy(() -> session.followPrincipal().block(TIMEOUT)).as("the login's move")
                .isInstanceOf(StashWriteException.class).hasMessageContaining("committed");
        assertThat(commit.get()).as("the commit, started by the hook").isNotNull();
        commit.get().get(10, TimeUnit.SECONDS);

        assertThat(session.sidNow()).isEqualTo(planted);
        assertThat(storedUnder(planted)).as("the state, where the browser's cookie points").containsExactly("attacker");
        assertThat(mock.getResponse().getCookies().getFirst("sid")).as("a cookie for a sid the state never reached")
                .isNull();
    }

    private void failedLogin() throws Exception {
        assertThat(session.sid().block(TIMEOUT)).isEqualTo(planted);
        principal.set("ada");
        GatedStorage.Gate copy = storage.holdNextPutNotTo(storage.lastPutKey());
        CompletableFuture<Void> login = session.followPrincipal().toFuture();
        copy.reached.get(10, TimeUnit.SECONDS);
        copy.fail();
        assertThat(login.handle((ok, error) -> error).get(10, TimeUnit.SECONDS)).as("the login's move failed")
                .isNotNull();
        assertThat(session.sidNow()).as("the session stays on the anonymous sid").isEqualTo(planted);
    }
}
