package dev.durablestash.spring.web.reactive;

import java.time.Duration;

import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import org.springframework.http.ResponseCookie;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import dev.durablestash.core.SessionCookieValues;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.web.BrowserSessionSettings;
import dev.durablestash.spring.web.SidCookie;

import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/** Which sid an exchange gets, and the cookie's attributes, without a server. */
class ReactiveBrowserSessionTests {

    private static final StashSettings SETTINGS = StashSettings.builder().secret("s".repeat(32)).build();

    private static final SessionCookieValues VALUES = new SessionCookieValues(SETTINGS);

    private static ReactiveBrowserSession session(SidCookie cookie, MockServerWebExchange exchange) {
        return new ReactiveBrowserSession(new BrowserSessionSettings<>(cookie, ReactivePrincipalResolver.EXCHANGE_PRINCIPAL,
                () -> SETTINGS, () -> {
            throw new AssertionError("the engine is not needed");
        }), exchange);
    }

    private static ReactiveBrowserSession session(MockServerWebExchange exchange, AtomicReference<String> principal) {
        BrowserSessionSettings<ReactivePrincipalResolver> settings = new BrowserSessionSettings<>(new SidCookie(),
                ReactivePrincipalResolver.EXCHANGE_PRINCIPAL, () -> SETTINGS, () -> {
            throw new AssertionError("the engine is not needed");
        });
        settings.principals(e -> Mono.justOrEmpty(principal.get()));
        return new ReactiveBrowserSession(settings, exchange);
    }

    private static MockServerWebExchange exchange(MockServerHttpRequest.BaseBuilder<?> request) {
        return MockServerWebExchange.from(request);
    }

    @Test
    void aRequestWithoutACookieGetsANewSidAndTheServletCookiesAttributes() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("http://localhost/counter"));
        String sid = session(new SidCookie(), exchange).sid().block();
        assertThat(SessionIds.isWellFormed(sid)).isTrue();
        ResponseCookie cookie = exchange.getResponse().getCookies().getFirst("sid");
        assertThat(cookie).isNotNull();
        assertThat(VALUES.decode(cookie.getValue()).sid()).isEqualTo(sid);
        assertThat(cookie.isHttpOnly()).isTrue();
        assertThat(cookie.isSecure()).isFalse();
        assertThat(cookie.getSameSite()).isEqualTo("Lax");
        assertThat(cookie.getPath()).isEqualTo("/");
        assertThat(cookie.getMaxAge().isNegative()).as("a browser-session cookie").isTrue();
        assertThat(session(new SidCookie(), exchange).isNew().block()).isTrue();
    }

    @Test
    void aCookieTheServerIssuedIsKeptWithoutWritingItAgain() {
        String sid = SessionIds.newSid();
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("http://localhost/")
                .cookie(ResponseCookie.from("sid", VALUES.encode(sid)).build()));
        assertThat(session(new SidCookie(), exchange).sid().block()).isEqualTo(sid);
        assertThat(exchange.getResponse().getCookies()).isEmpty();
    }

    @Test
    void anUntaggedOrForgedSidAndTwoDifferentSidCookiesAreNeverAdopted() {
        String sid = SessionIds.newSid();
        for (String value : new String[] { sid, sid + ".AAAAAAAAAAAAAAAAAAAAAA", "garbage" }) {
            MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("http://localhost/")
                    .cookie(ResponseCookie.from("sid", value).build()));
            assertThat(session(new SidCookie(), exchange).sid().block()).as(value).isNotEqualTo(sid);
        }
        String other = SessionIds.newSid();
        MockServerWebExchange tossed = exchange(MockServerHttpRequest.get("http://localhost/")
                .cookie(ResponseCookie.from("sid", VALUES.encode(sid)).build(),
                        ResponseCookie.from("sid", VALUES.encode(other)).build()));
        assertThat(session(new SidCookie(), tossed).sid().block()).isNotIn(sid, other);
    }

    @Test
    void secureFollowsTheRequestUnlessForcedAndAMaxAgeIsRefreshedOnEveryUse() {
        MockServerWebExchange https = exchange(MockServerHttpRequest.get("https://example.com/app/counter")
                .contextPath("/app"));
        session(new SidCookie(), https).sid().block();
        ResponseCookie secure = https.getResponse().getCookies().getFirst("sid");
        assertThat(secure.isSecure()).isTrue();
        assertThat(secure.getPath()).isEqualTo("/app/");

        String sid = SessionIds.newSid();
        SidCookie configured = new SidCookie();
        configured.setDomain("example.com");
        configured.setPath("/");
        configured.setSecure(false);
        configured.setSameSite("Strict");
        configured.setMaxAge(Duration.ofHours(1));
        MockServerWebExchange known = exchange(MockServerHttpRequest.get("https://example.com/")
                .cookie(ResponseCookie.from("sid", VALUES.encode(sid)).build()));
        assertThat(session(configured, known).sid().block()).isEqualTo(sid);
        ResponseCookie refreshed = known.getResponse().getCookies().getFirst("sid");
        assertThat(refreshed).as("re-sent to slide its lifetime").isNotNull();
        assertThat(refreshed.getMaxAge()).isEqualTo(Duration.ofHours(1));
        assertThat(refreshed.isSecure()).isFalse();
        assertThat(refreshed.getDomain()).isEqualTo("example.com");
        assertThat(refreshed.getSameSite()).isEqualTo("Strict");
    }

    @Test
    void endingASessionWithoutACookieClearsTheCookieAndALaterSidIsNew() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("http://localhost/logout"));
        ReactiveBrowserSession session = session(new SidCookie(), exchange);
        session.end().block();
        assertThat(exchange.getResponse().getCookies().getFirst("sid").getMaxAge()).isEqualTo(Duration.ZERO);
        String fresh = session.sid().block();
        assertThat(VALUES.decode(exchange.getResponse().getCookies().getFirst("sid").getValue()).sid())
                .as("the new sid's cookie comes last").isEqualTo(fresh);
    }

    @Test
    void aCookieBoundToThePrincipalIsAdoptedAndAnyoneElseGetsANewSessionBoundToThemselves() {
        String sid = SessionIds.newSid();
        ResponseCookie adas = ResponseCookie.from("sid", VALUES.encode(sid, "ada")).build();

        MockServerWebExchange ada = exchange(MockServerHttpRequest.get("http://localhost/").cookie(adas));
        assertThat(session(ada, new AtomicReference<>("ada")).sid().block()).isEqualTo(sid);
        assertThat(ada.getResponse().getCookies()).as("nothing to write").isEmpty();

        for (String other : new String[] { "bob", null }) {
            MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("http://localhost/").cookie(adas));
            String given = session(exchange, new AtomicReference<>(other)).sid().block();
            assertThat(given).as(String.valueOf(other)).isNotEqualTo(sid);
            SessionCookieValues.Decoded written = VALUES.decode(exchange.getResponse().getCookies().getFirst("sid")
                    .getValue());
            assertThat(written.sid()).isEqualTo(given);
            assertThat(written.claimBy(other)).as("bound to " + other).isEqualTo(SessionCookieValues.Claim.ADOPT);
        }
    }

    @Test
    void ofATossedAnonymousCookieAndOneBoundToThePrincipalTheBoundOneWinsAndForNobodyElse() {
        String adas = SessionIds.newSid();
        String tossed = SessionIds.newSid();
        MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.get("http://localhost/").cookie(
                ResponseCookie.from("sid", VALUES.encode(tossed)).build(),
                ResponseCookie.from("sid", VALUES.encode(adas, "ada")).build());
        assertThat(session(exchange(request), new AtomicReference<>("ada")).sid().block()).isEqualTo(adas);
        assertThat(session(exchange(request), new AtomicReference<>(null)).sid().block()).isNotIn(adas, tossed);
        assertThat(session(exchange(request), new AtomicReference<>("bob")).sid().block()).isNotIn(adas, tossed);
    }

    @Test
    void anAccountSwitchWithinTheExchangeGivesTheOtherPrincipalANewSessionAndALogoutKeepsTheSession() {
        String sid = SessionIds.newSid();
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("http://localhost/")
                .cookie(ResponseCookie.from("sid", VALUES.encode(sid, "ada")).build()));
        AtomicReference<String> principal = new AtomicReference<>("ada");
        ReactiveBrowserSession session = session(exchange, principal);
        assertThat(session.sid().block()).isEqualTo(sid);

        principal.set(null); // a step without the security context: the session resolved earlier stays
        session.followPrincipal().block();
        assertThat(session.sid().block()).isEqualTo(sid);

        principal.set("bob");
        session.followPrincipal().block();
        String bobs = session.sid().block();
        assertThat(bobs).isNotEqualTo(sid);
        assertThat(VALUES.decode(exchange.getResponse().getCookies().getFirst("sid").getValue()).claimBy("bob"))
                .isEqualTo(SessionCookieValues.Claim.ADOPT);
        session.followPrincipal().block();
        assertThat(session.sid().block()).as("bob's own session stays").isEqualTo(bobs);
    }
}
